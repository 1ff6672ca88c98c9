import type { AuthUser } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import {
  applyParams,
  buildTxt2ImgPrompt,
  isTxt2ImgBuildError,
  isUiWorkflow,
  templateName,
  type BuildTxt2ImgResult,
  type CheckedTxt2ImgParams,
  type ApiPrompt,
  type Template,
} from '@atelier/workflow';
import { AppError } from '../common/app-error.js';
import { JobLedgerService, type SubmitRequest } from '../comfy/job-ledger.service.js';
import type { ComfyJobEntity } from '../comfy/job.entity.js';
import { ObjectInfoCache } from '../comfy/object-info.cache.js';
import { WorkflowExports } from '../comfy/workflow-exports.js';
import { UploadedInputImages } from '../comfy-uploads/uploaded-input-images.js';
import { ConvertService } from './convert.service.js';
import { GraphPolicy } from './graph-policy.js';
import { TemplateLibraryService } from './template-library.service.js';
import { toParamFieldErrors, toTemplateProblem, txt2imgBuildRefused } from './template-views.js';

/** What a route asks to run. */
export type RunRequest =
  /** POST /queue: the caller's own graph (API prompt or UI workflow); no template. */
  | { kind: 'graph'; workflow: Record<string, unknown>; callerClientId: string | null }
  /** POST /workflows/:name/run: a workflow template patched through its contract (`version`: an older one). */
  | { kind: 'template'; name: string; params: Record<string, unknown>; version?: string }
  /** POST /txt2img: a preset or the built-in template, built by the txt2img builder. */
  | { kind: 'txt2img'; params: CheckedTxt2ImgParams };

/** Everything the ledger needs but the caller and the idempotency key. */
export type PlannedJob = Omit<SubmitRequest, 'owner' | 'idempotencyKey'>;

/**
 * The one run path: every route that queues a generation turns its request into a graph here (a template
 * patched or built, or the caller's graph converted), and every job goes to the ledger here, recording the
 * template's id and version. The ledger then writes, posts and follows the job the same way for all of them
 * (Idempotency-Key honoured: a retried request returns the first job).
 */
@Injectable()
export class TemplateRuns {
  constructor(
    private readonly library: TemplateLibraryService,
    private readonly converter: ConvertService,
    private readonly objectInfo: ObjectInfoCache,
    private readonly ledger: JobLedgerService,
    private readonly inputImages: UploadedInputImages,
    private readonly policy: GraphPolicy,
    private readonly exports: WorkflowExports,
  ) {}

  /** Every graph passes the GraphPolicy here, after conversion and patching: no route can skip it. */
  async run(owner: AuthUser, request: RunRequest, idempotencyKey: string | null): Promise<ComfyJobEntity> {
    const planned = await this.planChecked(owner, request);
    const job = await this.ledger.submit({ owner, idempotencyKey, ...planned });
    // Kept for GET /jobs/:id/workflow?format=ui: the user's own layout, not one rebuilt from the prompt.
    if (request.kind === 'graph' && isUiWorkflow(request.workflow)) {
      await this.exports.keepUiWorkflow(job.promptId, request.workflow);
    }
    return job;
  }

  /** The graph a request makes, past the GraphPolicy, not yet queued (sweeps plan every cell before queueing any). */
  async planChecked(owner: AuthUser, request: RunRequest): Promise<PlannedJob> {
    if (request.kind === 'graph') this.policy.assertMayQueueGraph(owner);
    const planned = await this.plan(owner, request);
    await this.policy.check(owner, planned.workflow as ApiPrompt, request.kind);
    return planned;
  }

  private plan(owner: AuthUser, request: RunRequest): Promise<PlannedJob> {
    switch (request.kind) {
      case 'graph':
        return this.planGraph(request.workflow, request.callerClientId);
      case 'template':
        return this.planTemplate(request.name, request.params, request.version);
      case 'txt2img':
        return this.planTxt2Img(owner, request.params);
    }
  }

  /** Nothing but the graph is taken from the caller: the prompt id, priority and ComfyUI client id are ours. */
  private async planGraph(
    workflow: Record<string, unknown>,
    callerClientId: string | null,
  ): Promise<PlannedJob> {
    return {
      kind: 'workflow',
      workflow: await this.converter.toApiPrompt(workflow),
      params: null,
      ...noTemplate,
      callerClientId,
      request: { workflow, client_id: callerClientId },
    };
  }

  /** Parameters the contract refuses are 400; a template that does not fit the server is 422. */
  private async planTemplate(
    name: string,
    params: Record<string, unknown>,
    version: string | undefined,
  ): Promise<PlannedJob> {
    const known = templateName.test(name);
    const template = !known
      ? null
      : version === undefined
        ? await this.library.find('workflow', name)
        : await this.library.findVersion(name, version);
    if (!template) {
      const which = version === undefined ? '' : ` at version ${version}`;
      throw new AppError('not_found', `There is no workflow "${name}"${which}`);
    }
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
    return {
      kind: 'workflow',
      workflow: applied.prompt,
      params: { template: name, values: applied.values },
      ...templateRef(template),
      callerClientId: null,
      request: { template: name, params, ...(version !== undefined ? { version } : {}) },
    };
  }

  /** Names are checked against the cached object_info; `image` / `mask` must be this user's uploads. */
  private async planTxt2Img(owner: AuthUser, params: CheckedTxt2ImgParams): Promise<PlannedJob> {
    const objectInfo = await this.objectInfo.objectInfo();
    const inputNames = [params.image, params.mask].filter((name) => name !== undefined);
    const isKnownInputImage =
      inputNames.length > 0 ? await this.inputImages.knownTo(owner, inputNames) : null;
    const presets = await this.library.templates('preset');
    let built: BuildTxt2ImgResult;
    try {
      built = buildTxt2ImgPrompt(params, {
        objectInfo,
        presets,
        ...(isKnownInputImage ? { isKnownInputImage } : {}),
      });
    } catch (error) {
      throw isTxt2ImgBuildError(error) ? txt2imgBuildRefused(error) : error;
    }
    return {
      kind: 'txt2img',
      workflow: built.prompt,
      params: { ...params, seed: built.seed },
      ...templateRef(built.template),
      callerClientId: null,
      request: params,
    };
  }
}

const noTemplate = { templateId: null, templateVersion: null };

function templateRef(template: Template): { templateId: string; templateVersion: string } {
  return { templateId: template.id, templateVersion: template.version };
}
