import { findInQueue } from '@atelier/comfy-client';
import type { AuthUser } from '@atelier/contract';
import type { ApiPrompt } from '@atelier/workflow';
import { Injectable } from '@nestjs/common';
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
import { AdmissionRegistry } from './queue-admission.js';
import { DispatchRegistry } from './queue-dispatch.js';
import { WaitingJobsRepository, type NewWaitingJob } from './waiting-jobs.repository.js';

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

/** How a re-run of an ended job is queued (POST /jobs/:id/retry, or a lost job retried automatically). */
export interface RetryOptions {
  /** The one asking (a user's retry is checked against their caps); null for Atelier's own retry of a lost job. */
  owner: AuthUser | null;
  at: 'head' | 'tail';
  /** Prefer another backend than this one (the one that lost the job). */
  avoidBackendId: number | null;
}

/**
 * Writes every job to the ledger as `waiting`, at the end of its owner's queue in Atelier, with our
 * own prompt id (uuid v4): the public id for good. The dispatcher posts it to a backend when one has
 * room; when one has room at once, it does so inside the request and the caller gets ComfyUI's answer:
 *
 * - ComfyUI rejects the graph (400): the row is deleted — a rejected graph never was a job — and the
 *   caller gets `comfy.invalid_workflow` with ComfyUI's per-node errors.
 * - ComfyUI cannot be reached: the job stays `waiting` (201) and is posted once a backend answers.
 * - No configured backend has what the graph needs: 422 `comfy.no_backend`, nothing recorded.
 * - The owner's caps (QueueAdmission) refuse it: their 429, nothing recorded.
 * - Idempotency-Key (per user, unique in the ledger): a retried request returns the same job;
 *   the same key with another body is 409 `conflict`.
 */
@Injectable()
export class JobLedgerService {
  constructor(
    private readonly comfy: ComfyService,
    private readonly jobs: JobsRepository,
    private readonly waiting: WaitingJobsRepository,
    private readonly tracker: JobTracker,
    private readonly bus: EventBus,
    private readonly backends: BackendDirectory,
    private readonly admission: AdmissionRegistry,
    private readonly dispatch: DispatchRegistry,
  ) {}

  async submit(request: SubmitRequest): Promise<ComfyJobEntity> {
    const wiring = this.comfy.require();
    const requestHash = hashRequest(request.request);
    const { owner, idempotencyKey } = request;
    if (idempotencyKey) {
      const existing = await this.jobs.findByIdempotencyKey(owner.id, idempotencyKey);
      if (existing) return this.replay(wiring, existing, requestHash);
    }
    this.assertSomeBackendCanRun(request.workflow);
    await this.admission.current().assertMayEnqueue(owner, 1);
    const job = await this.waiting.insert(this.newJob(request, requestHash));
    if (!job) {
      // A concurrent request with the same key was recorded first.
      const winner = idempotencyKey ? await this.jobs.findByIdempotencyKey(owner.id, idempotencyKey) : null;
      if (!winner) throw new Error('The job could not be recorded');
      return this.replay(wiring, winner, requestHash);
    }
    return this.offer(job, true);
  }

  /**
   * Several jobs of one owner (a sweep's cells), counted against the caps at once and queued in one
   * transaction, in order; each is then dispatched like any other (a refusal by ComfyUI fails that job).
   */
  async submitMany(
    owner: AuthUser,
    requests: readonly Omit<SubmitRequest, 'owner'>[],
  ): Promise<ComfyJobEntity[]> {
    this.comfy.require();
    for (const request of requests) this.assertSomeBackendCanRun(request.workflow);
    await this.admission.current().assertMayEnqueue(owner, requests.length);
    const jobs = await this.waiting.insertMany(
      requests.map((request) => this.newJob({ ...request, owner }, hashRequest(request.request))),
    );
    for (const job of jobs) await this.offer(job, false);
    return jobs;
  }

  /**
   * Queues an ended job's graph again as a new job linked to it (`retry_of`), `attempt` one more. The
   * caller checks who may and whether the graph still passes the policy.
   */
  async requeue(previous: ComfyJobEntity, options: RetryOptions): Promise<ComfyJobEntity> {
    this.comfy.require();
    this.assertSomeBackendCanRun(previous.workflow);
    if (options.owner) await this.admission.current().assertMayEnqueue(options.owner, 1);
    const job = await this.waiting.insert(
      {
        promptId: randomUUID(),
        ownerId: previous.ownerId,
        ownerRole: previous.ownerRole,
        kind: previous.kind,
        comfyClientId: this.comfy.clientId,
        callerClientId: previous.callerClientId,
        idempotencyKey: null,
        requestHash: previous.requestHash,
        workflow: previous.workflow,
        params: previous.params,
        templateId: previous.templateId,
        templateVersion: previous.templateVersion,
        retryOf: previous.promptId,
        attempt: previous.attempt + 1,
        avoidBackendId: options.avoidBackendId,
      },
      options.at,
    );
    if (!job) throw new Error('The retry could not be recorded');
    return this.offer(job, false);
  }

  private newJob(request: SubmitRequest, requestHash: string): NewWaitingJob {
    return {
      promptId: randomUUID(),
      ownerId: request.owner.id,
      ownerRole: request.owner.role,
      kind: request.kind,
      comfyClientId: this.comfy.clientId,
      callerClientId: request.callerClientId,
      idempotencyKey: request.idempotencyKey,
      requestHash,
      workflow: request.workflow,
      params: request.params,
      templateId: request.templateId,
      templateVersion: request.templateVersion,
    };
  }

  /** 422 `comfy.no_backend` when no configured backend has every class and model the graph needs. */
  private assertSomeBackendCanRun(workflow: Record<string, unknown>): void {
    const backends = this.backends.list();
    if (backends.length === 0) return; // Unwired: the job waits for one.
    const missing: Record<string, string[]> = {};
    for (const backend of backends) {
      const lacks = backend.missing(workflow as ApiPrompt);
      if (lacks.length === 0) return;
      missing[backend.name] = lacks;
    }
    throw new AppError('comfy.no_backend', 'No ComfyUI server can run this graph', { backends: missing });
  }

  /** Tells everyone a job waits, and hands it to the dispatcher; an inline post's outcome is the request's. */
  private async offer(job: ComfyJobEntity, inline: boolean): Promise<ComfyJobEntity> {
    const event = { promptId: job.promptId, ownerId: job.ownerId, job: snapshotFromLedger(job) };
    void this.bus.publish('job.waiting', event);
    const posting = this.dispatch.current()?.offer(job) ?? null;
    if (!posting || !inline) return job;
    const result = await posting;
    if (result.outcome === 'rejected') throw result.error;
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
    // A job recorded before Atelier held the queue failed in transit; the POST may still have reached ComfyUI.
    if (await this.isKnownToComfy(wiring, job.promptId)) {
      this.tracker.forget(job.promptId);
      Object.assign(job, { status: 'queued', error: null, finishedAt: null, submittedAt: new Date() });
      await this.jobs.update(job.promptId, {
        status: 'queued',
        error: null,
        finishedAt: null,
        submittedAt: job.submittedAt,
      });
      this.tracker.track(job);
      const event = { promptId: job.promptId, ownerId: job.ownerId, job: snapshotFromLedger(job) };
      const backendId = job.backendId ?? this.backends.defaultId();
      void this.bus.publish('job.queued', { ...event, workflow: job.workflow, backendId });
      return job;
    }
    // Not there: it waits again like a new job.
    this.tracker.forget(job.promptId);
    Object.assign(job, { status: 'waiting', error: null, finishedAt: null, backendId: null });
    await this.jobs.update(job.promptId, { status: 'waiting', error: null, finishedAt: null });
    return this.offer(job, true);
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
