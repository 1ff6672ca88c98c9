import { maxWorkflowNodes, type ComfyConvertResponse } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { convertUiWorkflow, isApiPrompt, isUiWorkflow, isWorkflowConversionError } from '@atelier/workflow';
import { conversionFailed, toConversionWarnings } from '../comfy/conversion-issues.js';
import { ObjectInfoCache } from '../comfy/object-info.cache.js';
import { AppError } from '../common/app-error.js';

/**
 * POST /api/comfy/workflows/convert: a UI workflow → the API prompt the ComfyUI frontend would send, using
 * the server's object_info to name the widgets. What cannot be converted faithfully is a 422 naming each node
 * and the reason — never a guessed prompt.
 */
@Injectable()
export class ConvertService {
  constructor(private readonly objectInfo: ObjectInfoCache) {}

  async convert(workflow: Record<string, unknown>): Promise<ComfyConvertResponse> {
    if (isUiWorkflow(workflow)) {
      const count = (workflow as { nodes: unknown[] }).nodes.length;
      if (count > maxWorkflowNodes) {
        throw new AppError('validation_failed', `The workflow has more than ${maxWorkflowNodes} nodes`, {
          workflow: [`must have at most ${maxWorkflowNodes} nodes (got ${count})`],
        });
      }
      const info = await this.objectInfo.objectInfo();
      try {
        const { prompt, warnings } = convertUiWorkflow(workflow, info);
        return { format: 'ui', prompt, warnings: toConversionWarnings(warnings) };
      } catch (error) {
        throw isWorkflowConversionError(error) ? conversionFailed(error) : error;
      }
    }
    if (isApiPrompt(workflow)) return { format: 'api', prompt: workflow, warnings: [] };
    throw new AppError('validation_failed', 'This is not a ComfyUI workflow', {
      workflow: ['must be a UI workflow ({"nodes": [...], "links": [...]}) or an API prompt'],
    });
  }
}
