import { maxWorkflowNodes, type AuthUser, type ComfyQueueResponse } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { convertUiWorkflow, isApiPrompt, isUiWorkflow, isWorkflowConversionError } from '@atelier/workflow';
import { AppError } from '../common/app-error.js';
import type { QueueDto } from './comfy.dto.js';
import { conversionFailed } from './conversion-issues.js';
import { JobLedgerService } from './job-ledger.service.js';
import { ObjectInfoCache } from './object-info.cache.js';

/**
 * POST /api/comfy/queue: an API-format prompt (a UI workflow is converted first, as the ComfyUI
 * frontend would) goes to the ledger and on to ComfyUI. Nothing but the graph is taken from the
 * caller: the prompt id, priority and ComfyUI client id are Atelier's.
 */
@Injectable()
export class QueueService {
  constructor(
    private readonly ledger: JobLedgerService,
    private readonly objectInfo: ObjectInfoCache,
  ) {}

  async queue(user: AuthUser, dto: QueueDto, idempotencyKey: string | null): Promise<ComfyQueueResponse> {
    const workflow = await this.toApiPrompt(dto.workflow);
    const callerClientId = dto.client_id ?? null;
    const job = await this.ledger.submit({
      owner: user,
      kind: 'workflow',
      workflow,
      params: null,
      callerClientId,
      idempotencyKey,
      request: { workflow: dto.workflow, client_id: callerClientId },
    });
    return { prompt_id: job.promptId, client_id: job.callerClientId ?? job.comfyClientId };
  }

  private async toApiPrompt(workflow: Record<string, unknown>): Promise<Record<string, unknown>> {
    if (isUiWorkflow(workflow)) {
      const nodes = (workflow as { nodes: unknown[] }).nodes;
      assertNodeCount(nodes.length);
      try {
        return convertUiWorkflow(workflow, await this.objectInfo.objectInfo()).prompt;
      } catch (error) {
        if (!isWorkflowConversionError(error)) throw error;
        throw conversionFailed(error);
      }
    }
    if (!isApiPrompt(workflow)) {
      throw new AppError('validation_failed', 'The workflow is not an API-format prompt', {
        workflow: ['must map node ids to {"class_type": string, "inputs": object}'],
      });
    }
    assertNodeCount(Object.keys(workflow).length);
    return workflow;
  }
}

function assertNodeCount(count: number): void {
  if (count > maxWorkflowNodes) {
    throw new AppError('validation_failed', `The workflow has more than ${maxWorkflowNodes} nodes`, {
      workflow: [`must have at most ${maxWorkflowNodes} nodes (got ${count})`],
    });
  }
}
