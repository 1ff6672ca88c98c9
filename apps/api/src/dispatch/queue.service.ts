import type {
  AuthUser,
  JobPatchResponse,
  QueuePositionTarget,
  QueueRetryResponse,
  QueueStateResponse,
} from '@atelier/contract';
import type { ApiPrompt } from '@atelier/workflow';
import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { JobLedgerService } from '../comfy/job-ledger.service.js';
import type { ComfyJobEntity } from '../comfy/job.entity.js';
import { JobsService } from '../comfy/jobs.service.js';
import { WaitingJobsRepository } from '../comfy/waiting-jobs.repository.js';
import { GraphPolicy } from '../comfy-templates/graph-policy.js';
import { RuntimeConfig } from '../config/runtime-config.service.js';
import { Dispatcher } from './dispatcher.service.js';
import { QueueOwnersRepository } from './queue-owners.repository.js';

const retryableStatuses = new Set(['failed', 'lost', 'interrupted']);

/**
 * What users do with their queue in Atelier: pause and resume it (admins: everyone's), reorder waiting
 * jobs, switch automatic retry of lost jobs, and retry an ended job as a new one. Nothing here calls
 * ComfyUI: the dispatcher posts what the queue says, when a backend has room.
 */
@Injectable()
export class QueueService {
  constructor(
    private readonly owners: QueueOwnersRepository,
    private readonly waiting: WaitingJobsRepository,
    private readonly jobs: JobsService,
    private readonly ledger: JobLedgerService,
    private readonly dispatcher: Dispatcher,
    private readonly runtime: RuntimeConfig,
    private readonly policy: GraphPolicy,
  ) {}

  async state(user: AuthUser): Promise<QueueStateResponse> {
    const [switches, counts] = await Promise.all([this.owners.of(user.id), this.waiting.countsOf(user.id)]);
    return {
      paused: switches.paused,
      all_paused: this.runtime.get().comfy_queue_paused,
      auto_retry: switches.autoRetry,
      waiting: counts.waiting,
      running: counts.running,
    };
  }

  /** Pauses (or resumes) the caller's queue; with `all`, an admin's switch for every queue (a setting, audited). */
  async setPaused(user: AuthUser, paused: boolean, all: boolean): Promise<QueueStateResponse> {
    if (all) {
      if (user.role !== 'admin')
        throw new AppError('auth.forbidden', "Only an admin can pause everyone's queue");
      await this.runtime.update({ comfy_queue_paused: paused }, { id: user.id, username: user.username });
      this.dispatcher.wake();
    } else {
      await this.owners.set(user.id, { paused });
      this.dispatcher.setPaused(user.id, paused);
    }
    return this.state(user);
  }

  async setAutoRetry(user: AuthUser, autoRetry: boolean): Promise<QueueStateResponse> {
    await this.owners.set(user.id, { autoRetry });
    return this.state(user);
  }

  /** Moves a waiting job within its owner's queue (owner or admin; 409 once it left `waiting`). */
  async reposition(user: AuthUser, promptId: string, target: QueuePositionTarget): Promise<JobPatchResponse> {
    const job = await this.manageable(user, promptId, 'reorder');
    if (job.status !== 'waiting') throw notWaiting(job);
    const order = (await this.waiting.ownerOrder(job.ownerId)).filter((entry) => entry.promptId !== promptId);
    const index =
      target === 'top'
        ? 0
        : target === 'bottom'
          ? order.length
          : Math.min(Math.max(target - 1, 0), order.length);
    const before = order[index - 1]?.position;
    const after = order[index]?.position;
    let position =
      before !== undefined && after !== undefined
        ? (before + after) / 2
        : before !== undefined
          ? before + 1
          : after !== undefined
            ? after - 1
            : (job.queuePosition ?? 1);
    if (position === before || position === after) {
      // Halved too often between the same two neighbours: number the queue afresh.
      for (const [i, entry] of order.entries())
        await this.waiting.setPosition(entry.promptId, (i < index ? i : i + 1) + 1);
      position = index + 1;
    }
    if (!(await this.waiting.setPosition(promptId, position))) {
      throw notWaiting({ ...job, status: 'queued' });
    }
    this.dispatcher.move(promptId, job.ownerId, index);
    return { prompt_id: promptId, status: 'waiting', waiting_position: index + 1 };
  }

  /**
   * Queues a failed, lost or interrupted job's graph again as a new job of the same owner, linked to it.
   * The graph passes today's policy again (the allow-list or the caller's rights may have changed).
   */
  async retry(user: AuthUser, promptId: string): Promise<QueueRetryResponse> {
    const job = await this.manageable(user, promptId, 'retry');
    if (!retryableStatuses.has(job.status)) {
      throw new AppError(
        'conflict',
        `Only a failed, lost or interrupted job can be retried; this one is ${job.status}`,
        {
          prompt_id: promptId,
          status: job.status,
        },
      );
    }
    const source = job.kind === 'txt2img' ? 'txt2img' : job.templateId ? 'template' : 'graph';
    if (source === 'graph') this.policy.assertMayQueueGraph(user);
    await this.policy.check(user, job.workflow as ApiPrompt, source);
    const isOwn = job.ownerId === user.id;
    const created = await this.ledger.requeue(job, {
      // An admin re-running someone's job is not held to that user's caps (nor to their own).
      owner: isOwn ? user : null,
      at: 'tail',
      avoidBackendId: null,
    });
    return { prompt_id: created.promptId, retry_of: promptId, status: created.status };
  }

  private async manageable(user: AuthUser, promptId: string, what: string): Promise<ComfyJobEntity> {
    const job = await this.jobs.findVisible(user, promptId);
    if (job.ownerId !== user.id && user.role !== 'admin') {
      throw new AppError('auth.forbidden', `Only the owner or an admin can ${what} this job`);
    }
    return job;
  }
}

function notWaiting(job: Pick<ComfyJobEntity, 'promptId' | 'status'>): AppError {
  return new AppError('conflict', 'Only a waiting job can be moved; this one has left the queue', {
    prompt_id: job.promptId,
    status: job.status,
  });
}
