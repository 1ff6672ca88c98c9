import { ComfyValidationError, findInQueue, type ComfyPrompt } from '@atelier/comfy-client';
import type { AuthUser } from '@atelier/contract';
import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomUUID } from 'node:crypto';
import { EventBus } from '../events/event-bus.js';
import { AppError } from '../common/app-error.js';
import { BackendDirectory } from './backends/backend-directory.js';
import { toComfyAppError } from './comfy-errors.js';
import { ComfyService, type ComfyWiring } from './comfy.service.js';
import type { ComfyJobEntity, JobKind } from './job.entity.js';
import { JobTracker } from './job-tracker.js';
import { snapshotFromLedger } from './job-views.js';
import { JobsRepository } from './jobs.repository.js';

export interface SubmitRequest {
  owner: AuthUser;
  kind: JobKind;
  workflow: Record<string, unknown>;
  /** The builder's parameters (txt2img). */
  params: Record<string, unknown> | null;
  /** The template the graph was built from and its version; null for a caller's own graph. */
  templateId: string | null;
  templateVersion: string | null;
  callerClientId: string | null;
  idempotencyKey: string | null;
  /** What the caller sent, to tell a retry (same body) from a reused key (another body). */
  request: unknown;
}

/** Codes of a submission that never reached ComfyUI for sure: a retry with the same key may post again. */
const submissionFailureCodes = new Set(['comfy.unreachable', 'comfy.timeout', 'comfy.upstream_error']);

/**
 * Writes every job to the ledger before it is posted to ComfyUI, with our own prompt id (uuid v4)
 * and the backend's client id, then hands it to the tracker to follow and publishes `job.queued`.
 *
 * - ComfyUI rejects the graph (400): the row is deleted — a rejected graph never was a job — and the
 *   caller gets `comfy.invalid_workflow` with ComfyUI's per-node errors.
 * - ComfyUI unreachable, timing out or failing: the row is marked `failed` with that code and the
 *   caller gets 502/504. The same request retried with its Idempotency-Key first looks the prompt up
 *   in ComfyUI (the POST may have landed) and only posts again if it is not there.
 * - Idempotency-Key (per user, unique in the ledger): a retried request returns the same job;
 *   the same key with another body is 409 `conflict`.
 */
@Injectable()
export class JobLedgerService {
  private readonly logger = new Logger(JobLedgerService.name);

  constructor(
    private readonly comfy: ComfyService,
    private readonly jobs: JobsRepository,
    private readonly tracker: JobTracker,
    private readonly bus: EventBus,
    private readonly backends: BackendDirectory,
  ) {}

  async submit(request: SubmitRequest): Promise<ComfyJobEntity> {
    const wiring = this.comfy.require();
    const requestHash = hashRequest(request.request);
    const { owner, idempotencyKey } = request;
    if (idempotencyKey) {
      const existing = await this.jobs.findByIdempotencyKey(owner.id, idempotencyKey);
      if (existing) return this.replay(wiring, existing, requestHash);
    }
    const job = await this.jobs.insert({
      promptId: randomUUID(),
      ownerId: owner.id,
      kind: request.kind,
      comfyClientId: this.comfy.clientId,
      callerClientId: request.callerClientId,
      idempotencyKey,
      requestHash,
      workflow: request.workflow,
      params: request.params,
      templateId: request.templateId,
      templateVersion: request.templateVersion,
    });
    if (!job) {
      // A concurrent request with the same key was recorded first.
      const winner = idempotencyKey ? await this.jobs.findByIdempotencyKey(owner.id, idempotencyKey) : null;
      if (!winner) throw new Error('The job could not be recorded');
      return this.replay(wiring, winner, requestHash);
    }
    await this.post(wiring, job);
    return job;
  }

  private async replay(
    wiring: ComfyWiring,
    job: ComfyJobEntity,
    requestHash: string,
  ): Promise<ComfyJobEntity> {
    if (job.requestHash !== requestHash) {
      throw new AppError('conflict', 'This Idempotency-Key was already used for a different request', {
        prompt_id: job.promptId,
      });
    }
    const code = job.error?.code;
    if (job.status !== 'failed' || job.submittedAt !== null || !code || !submissionFailureCodes.has(code)) {
      return job;
    }
    // The earlier POST failed in transit; it may still have reached ComfyUI.
    if (await this.isKnownToComfy(wiring, job.promptId)) {
      await this.revive(job, { submittedAt: new Date() });
      this.accepted(job);
      return job;
    }
    await this.revive(job, {});
    await this.post(wiring, job);
    return job;
  }

  private async revive(job: ComfyJobEntity, extra: { submittedAt?: Date }): Promise<void> {
    this.tracker.forget(job.promptId);
    Object.assign(job, { status: 'queued', error: null, finishedAt: null, ...extra });
    await this.jobs.update(job.promptId, { status: 'queued', error: null, finishedAt: null, ...extra });
  }

  private async isKnownToComfy(wiring: ComfyWiring, promptId: string): Promise<boolean> {
    try {
      // Fresh: a shared /queue sent before the failed POST cannot say whether that POST got through.
      if (findInQueue(await wiring.client.getQueue({ fresh: true }), promptId)) return true;
      return (await wiring.client.getHistory(promptId)) !== null;
    } catch (error) {
      throw toComfyAppError(error);
    }
  }

  private async post(wiring: ComfyWiring, job: ComfyJobEntity): Promise<void> {
    try {
      // The client's queuePrompt is itself idempotent across transport retries (it looks our id up first).
      const queued = await wiring.client.queuePrompt(job.workflow as ComfyPrompt, { promptId: job.promptId });
      if (queued.promptId !== job.promptId) {
        // ComfyUI before early 2025 ignores a client-chosen prompt_id; tracking ours would find the
        // job in neither queue nor history and call it lost.
        await this.jobs.adoptPromptId(job.promptId, queued.promptId);
        job.promptId = queued.promptId;
      }
      job.queueNumber = queued.number;
      job.submittedAt = new Date();
      await this.jobs.update(job.promptId, { queueNumber: job.queueNumber, submittedAt: job.submittedAt });
      this.accepted(job);
    } catch (error) {
      if (error instanceof ComfyValidationError) {
        await this.jobs.delete(job.promptId);
        throw new AppError('comfy.invalid_workflow', `ComfyUI rejected the workflow: ${error.errorMessage}`, {
          error: { type: error.errorType, message: error.errorMessage, details: error.details },
          node_errors: nodeErrorsOf(error),
        });
      }
      const mapped = toComfyAppError(error);
      const code = mapped instanceof AppError ? mapped.code : 'internal';
      if (code === 'internal')
        this.logger.error({ err: error, promptId: job.promptId }, 'Queueing a job failed');
      const jobError = { code, message: 'The job could not be handed to ComfyUI' };
      Object.assign(job, { status: 'failed', error: jobError, finishedAt: new Date() });
      await this.jobs.update(job.promptId, { status: 'failed', error: jobError, finishedAt: job.finishedAt });
      throw mapped;
    }
  }

  /** ComfyUI has the job: follow it, and tell whoever cares (e.g. uploads linking their files). */
  private accepted(job: ComfyJobEntity): void {
    this.tracker.track(job);
    const event = { promptId: job.promptId, ownerId: job.ownerId, job: snapshotFromLedger(job) };
    const backendId = job.backendId ?? this.backends.defaultId();
    void this.bus.publish('job.queued', { ...event, workflow: job.workflow, backendId });
  }
}

/** ComfyUI's node_errors without `extra_info` (it can carry Python tracebacks). */
function nodeErrorsOf(error: ComfyValidationError): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const node of error.nodeErrors) {
    out[node.nodeId] = {
      class_type: node.classType,
      dependent_outputs: node.dependentOutputs,
      errors: node.errors.map((e) => ({
        type: e.type,
        message: e.message,
        details: e.details,
        input_name: e.inputName,
      })),
    };
  }
  return out;
}

/** A stable hash of a JSON value (object keys sorted). */
export function hashRequest(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
