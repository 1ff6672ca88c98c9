import type { AuthUser, ComfyWorkflowRunResponse } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { applyParams } from '@atelier/workflow';
import { JobLedgerService } from '../comfy/job-ledger.service.js';
import { AppError } from '../common/app-error.js';
import type { RunWorkflowDto } from './comfy-workflows.dto.js';
import { toParamFieldErrors, toTemplateProblem } from './template-views.js';
import { WorkflowLibraryService } from './workflow-library.service.js';

const templateName = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * POST /api/comfy/workflows/:name/run: the parameters are validated against the template's contract (ajv,
 * unknown knobs refused) and patched into a copy; a template that does not fit the server is refused (422);
 * then the job goes through the ledger like POST /queue (Idempotency-Key honoured).
 */
@Injectable()
export class WorkflowRunsService {
  constructor(
    private readonly library: WorkflowLibraryService,
    private readonly ledger: JobLedgerService,
  ) {}

  async run(
    user: AuthUser,
    name: string,
    dto: RunWorkflowDto,
    idempotencyKey: string | null,
  ): Promise<ComfyWorkflowRunResponse> {
    const template = templateName.test(name) ? await this.library.find(name) : null;
    if (!template) throw new AppError('not_found', `There is no workflow "${name}"`);
    const params = dto.params ?? {};
    const applied = applyParams(template.prompt, template.params, params);
    if (!applied.ok) {
      throw new AppError(
        'validation_failed',
        `The parameters do not fit the workflow "${name}"`,
        toParamFieldErrors(applied.errors),
      );
    }
    const problems = await this.library.problemsOf(template);
    if (problems.length > 0) {
      throw new AppError(
        'comfy.template_broken',
        `The workflow "${name}" does not fit this ComfyUI server: ${problems[0]?.message ?? ''}`,
        { problems: problems.map(toTemplateProblem) },
      );
    }
    const job = await this.ledger.submit({
      owner: user,
      kind: 'workflow',
      workflow: applied.prompt,
      params: { template: name, values: applied.values },
      callerClientId: null,
      idempotencyKey,
      request: { template: name, params },
    });
    // From the ledger: a retried request reports the values (e.g. a drawn seed) of the first one.
    const values = job.params?.values;
    return {
      prompt_id: job.promptId,
      client_id: job.comfyClientId,
      params: isRecord(values) ? values : applied.values,
    };
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
