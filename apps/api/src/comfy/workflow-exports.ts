import type { ComfyExportFormat } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { apiPromptToUiWorkflow, isApiPrompt, isUiWorkflow } from '@atelier/workflow';
import type { Response } from 'express';
import { Repository } from 'typeorm';
import { AppError } from '../common/app-error.js';
import { ComfyJobEntity } from './job.entity.js';
import { ObjectInfoCache } from './object-info.cache.js';

/** A workflow to answer as a download. */
export interface WorkflowFile {
  filename: string;
  body: Record<string, unknown>;
}

/** What a job or a gallery image keeps of its graph. */
export interface KeptGraph {
  /** The API prompt that ran. */
  prompt: Record<string, unknown> | null;
  /** The UI workflow it was queued as, when it was one. */
  uiWorkflow: Record<string, unknown> | null;
}

/**
 * Workflows to download (GET /comfy/jobs/:id/workflow, GET /gallery/images/:id/workflow): the API prompt as it
 * ran, or a UI workflow for ComfyUI — the one it was queued as when kept, else rebuilt from the prompt
 * (apiPromptToUiWorkflow, widgets named from the cached object_info). Also keeps a graph job's UI workflow.
 */
@Injectable()
export class WorkflowExports {
  constructor(
    @InjectRepository(ComfyJobEntity) private readonly rows: Repository<ComfyJobEntity>,
    private readonly objectInfo: ObjectInfoCache,
  ) {}

  /** Called once the job is in the ledger; a second call (an idempotent replay) writes the same value. */
  async keepUiWorkflow(promptId: string, workflow: Record<string, unknown>): Promise<void> {
    await this.rows
      .createQueryBuilder()
      .update(ComfyJobEntity)
      .set({ uiWorkflow: () => ':workflow' })
      .setParameter('workflow', JSON.stringify(workflow))
      .where('prompt_id = :promptId', { promptId })
      .execute();
  }

  /** The UI workflow a job was queued as, or null. */
  async uiWorkflowOf(promptId: string): Promise<Record<string, unknown> | null> {
    const row = await this.rows.findOne({ where: { promptId }, select: { id: true, uiWorkflow: true } });
    return row?.uiWorkflow ?? null;
  }

  /** 404 `not_found` when nothing of the asked format can be given (an image ingested without a graph). */
  async file(format: ComfyExportFormat, name: string, graph: KeptGraph): Promise<WorkflowFile> {
    if (format === 'api') {
      if (!isApiPrompt(graph.prompt)) throw noWorkflow();
      return { filename: `${name}.api.json`, body: graph.prompt };
    }
    if (isUiWorkflow(graph.uiWorkflow) && graph.uiWorkflow) {
      return { filename: `${name}.workflow.json`, body: graph.uiWorkflow };
    }
    if (!isApiPrompt(graph.prompt)) throw noWorkflow();
    const info = this.objectInfo.cached() ?? (await this.objectInfo.objectInfo());
    const workflow = apiPromptToUiWorkflow(graph.prompt, info) as unknown as Record<string, unknown>;
    return { filename: `${name}.workflow.json`, body: workflow };
  }
}

function noWorkflow(): AppError {
  return new AppError('not_found', 'No workflow was kept for this');
}

/** An attachment: the browser saves it under `filename` instead of showing it. */
export function sendWorkflowFile(res: Response, file: WorkflowFile): void {
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.setHeader('Content-Disposition', `attachment; filename="${file.filename}"`);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'private, no-store');
  res.send(JSON.stringify(file.body, null, 2));
}
