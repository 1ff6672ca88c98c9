import { maxWorkflowNodes, type ComfyConvertResponse } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import {
  convertUiWorkflow,
  isApiPrompt,
  isUiWorkflow,
  isWorkflowConversionError,
  type ApiPrompt,
} from '@atelier/workflow';
import { AppError } from '../common/app-error.js';
import { ObjectInfoCache } from '../comfy/object-info.cache.js';
import { conversionFailed, toConversionWarnings } from './conversion-issues.js';

/**
 * UI workflow → the API prompt the ComfyUI frontend would send, using the server's object_info to name the
 * widgets: for POST /workflows/convert, and for POST /queue, which takes either format. What cannot be
 * converted faithfully is a 422 naming each node and the reason — never a guessed prompt.
 */
@Injectable()
export class ConvertService {
  constructor(private readonly objectInfo: ObjectInfoCache) {}

  /** POST /workflows/convert: an API prompt comes back as it came. */
  async convert(workflow: Record<string, unknown>): Promise<ComfyConvertResponse> {
    if (isUiWorkflow(workflow)) return this.convertUi(workflow);
    if (isApiPrompt(workflow)) return { format: 'api', prompt: workflow, warnings: [] };
    throw new AppError('validation_failed', 'This is not a ComfyUI workflow', {
      workflow: ['must be a UI workflow ({"nodes": [...], "links": [...]}) or an API prompt'],
    });
  }

  /** POST /queue: the graph to queue, whichever format was sent. */
  async toApiPrompt(workflow: Record<string, unknown>): Promise<ApiPrompt> {
    if (isUiWorkflow(workflow)) return (await this.convertUi(workflow)).prompt;
    if (!isApiPrompt(workflow)) {
      throw new AppError('validation_failed', 'The workflow is not an API-format prompt', {
        workflow: ['must map node ids to {"class_type": string, "inputs": object}'],
      });
    }
    assertNodeCount(Object.keys(workflow).length);
    return workflow;
  }

  private async convertUi(
    workflow: Record<string, unknown>,
  ): Promise<ComfyConvertResponse & { prompt: ApiPrompt }> {
    assertNodeCount((workflow as { nodes: unknown[] }).nodes.length);
    const info = await this.objectInfo.objectInfo();
    try {
      const { prompt, warnings } = convertUiWorkflow(workflow, info);
      return { format: 'ui', prompt, warnings: toConversionWarnings(warnings) };
    } catch (error) {
      throw isWorkflowConversionError(error) ? conversionFailed(error) : error;
    }
  }
}

function assertNodeCount(count: number): void {
  if (count > maxWorkflowNodes) {
    throw new AppError('validation_failed', `The workflow has more than ${maxWorkflowNodes} nodes`, {
      workflow: [`must have at most ${maxWorkflowNodes} nodes (got ${count})`],
    });
  }
}
