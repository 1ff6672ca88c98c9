import { ComfyValidationError, findInQueue, type ComfyPrompt } from '@atelier/comfy-client';
import type { JobError } from '@atelier/contract';
import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { EventBus } from '../events/event-bus.js';
import type { DispatchBackend } from './backends/backend-directory.js';
import { BeforePostHooks } from './backends/before-post.js';
import { toComfyAppError } from './comfy-errors.js';
import type { ComfyJobEntity } from './job.entity.js';
import { JobTracker } from './job-tracker.js';
import { snapshotFromLedger } from './job-views.js';
import { JobsRepository } from './jobs.repository.js';
import type { PostResult } from './queue-dispatch.js';
import { WaitingJobsRepository } from './waiting-jobs.repository.js';

export interface PostOptions {
  /** Ask ComfyUI to run it before what it already holds (a light user's first job: see the dispatcher). */
  front: boolean;
  /** Posted while its submitting request waits: a refusal deletes the row and answers the caller. */
  inline: boolean;
  /**
   * Claimed for this backend before a restart cut the post short: already claimed, and ComfyUI may have
   * it (the POST may have landed), so it is looked up there first and only posted when absent.
   */
  resume?: boolean;
}

/**
 * Hands a waiting job to one backend: claim (conditional), POST /prompt under our prompt id, then the
 * conditional `waiting → queued`. A job cancelled meanwhile is taken out of ComfyUI again; one that
 * could not be delivered waits again, unclaimed. Once queued, the tracker follows it and `job.queued`
 * names the backend.
 */
@Injectable()
export class JobPoster {
  private readonly logger = new Logger(JobPoster.name);

  constructor(
    private readonly jobs: JobsRepository,
    private readonly waiting: WaitingJobsRepository,
    private readonly tracker: JobTracker,
    private readonly bus: EventBus,
    private readonly beforePost: BeforePostHooks,
  ) {}

  async post(job: ComfyJobEntity, backend: DispatchBackend, options: PostOptions): Promise<PostResult> {
    const claimed = options.resume === true || (await this.waiting.claim(job.promptId, backend.id));
    if (!claimed) return { outcome: 'cancelled' };
    const { client } = backend.wiring;
    let queued;
    try {
      const found = options.resume ? await this.lookUp(backend, job.promptId) : null;
      if (found) queued = found;
      else {
        // What the job needs on that server first (its uploaded inputs: comfy-uploads/InputsOnBackend).
        await this.beforePost.run(job, backend);
        queued = await client.queuePrompt(job.workflow as ComfyPrompt, {
          promptId: job.promptId,
          ...(options.front ? { priority: { front: true as const } } : {}),
        });
      }
    } catch (error) {
      if (error instanceof ComfyValidationError) return this.rejected(job, error, options.inline);
      const mapped = toComfyAppError(error);
      if (!(mapped instanceof AppError))
        this.logger.error({ err: error, promptId: job.promptId }, 'Posting a job failed');
      const appError =
        mapped instanceof AppError
          ? mapped
          : new AppError('comfy.upstream_error', 'ComfyUI could not take the job');
      return (await this.waiting.unclaim(job.promptId))
        ? { outcome: 'retry', error: appError }
        : { outcome: 'cancelled' };
    }
    if (queued.promptId !== job.promptId) {
      // ComfyUI before early 2025 ignores a client-chosen prompt_id; tracking ours would find the
      // job in neither queue nor history and call it lost.
      await this.jobs.adoptPromptId(job.promptId, queued.promptId);
      job.promptId = queued.promptId;
    }
    const submittedAt = new Date();
    if (!(await this.waiting.accept(job.promptId, { queueNumber: queued.number, submittedAt }))) {
      // Cancelled while the POST was on its way: ComfyUI must not run it.
      await client.cancel(job.promptId).catch((error: unknown) => {
        this.logger.warn(
          { err: error, promptId: job.promptId },
          'Removing a cancelled job from ComfyUI failed',
        );
      });
      return { outcome: 'cancelled' };
    }
    Object.assign(job, {
      status: 'queued',
      backendId: backend.id,
      queueNumber: queued.number,
      submittedAt,
      queuePosition: null,
    });
    this.tracker.track(job);
    const event = { promptId: job.promptId, ownerId: job.ownerId, job: snapshotFromLedger(job) };
    void this.bus.publish('job.queued', { ...event, workflow: job.workflow, backendId: backend.id });
    return { outcome: 'accepted' };
  }

  /** The job in the backend's queue or history (fresh: an older /queue cannot say whether a POST landed). */
  private async lookUp(
    backend: DispatchBackend,
    promptId: string,
  ): Promise<{ promptId: string; number: number } | null> {
    const { client } = backend.wiring;
    const inQueue = findInQueue(await client.getQueue({ fresh: true }), promptId);
    if (inQueue) return { promptId, number: inQueue.item.number };
    return (await client.getHistory(promptId)) ? { promptId, number: 0 } : null;
  }

  /**
   * ComfyUI refused the graph. Inline (the request still waits), the row is deleted — a rejected graph
   * never was a job — and the caller gets 400 with the per-node errors; later, the job fails with them.
   */
  private async rejected(
    job: ComfyJobEntity,
    error: ComfyValidationError,
    inline: boolean,
  ): Promise<PostResult> {
    const appError = new AppError(
      'comfy.invalid_workflow',
      `ComfyUI rejected the workflow: ${error.errorMessage}`,
      {
        error: { type: error.errorType, message: error.errorMessage, details: error.details },
        node_errors: nodeErrorsOf(error),
      },
    );
    if (inline) {
      await this.jobs.delete(job.promptId);
      return { outcome: 'rejected', error: appError };
    }
    const jobError: JobError = { code: 'comfy.invalid_workflow', message: appError.message };
    await this.failWaiting(job, jobError);
    return { outcome: 'rejected', error: appError };
  }

  /** Ends a job that never reached ComfyUI as failed (and tells its streams). */
  async failWaiting(job: ComfyJobEntity, error: JobError): Promise<void> {
    const finishedAt = await this.waiting.end(job.promptId, 'failed', error);
    if (!finishedAt) return;
    Object.assign(job, { status: 'failed', error, finishedAt });
    this.tracker.forget(job.promptId);
    const event = { promptId: job.promptId, ownerId: job.ownerId, job: snapshotFromLedger(job) };
    void this.bus.publish('job.failed', event);
  }
}

/** ComfyUI's node_errors without `extra_info` (it can carry Python tracebacks). */
export function nodeErrorsOf(error: ComfyValidationError): Record<string, unknown> {
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
