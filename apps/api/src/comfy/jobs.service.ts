import { findInQueue, type HistoryMessage } from '@atelier/comfy-client';
import {
  roleAtLeast,
  terminalJobStatuses,
  type AuthUser,
  type ComfyCancelResponse,
  type ComfyHistoryResponse,
  type ComfyStatusResponse,
  type JobListResponse,
} from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { keysetCursor, rowId } from '../common/keyset-cursor.js';
import { AppError } from '../common/app-error.js';
import { toComfyAppError } from './comfy-errors.js';
import { BackendDirectory } from './backends/backend-directory.js';
import { isTrueWord } from '../common/boolean-words.js';
import type { JobsQueryDto } from './comfy.dto.js';
import { ComfyService } from './comfy.service.js';
import type { ComfyJobEntity } from './job.entity.js';
import { JobTracker } from './job-tracker.js';
import { snapshotFromLedger, toJobSummary, toStatusResponse, type JobSnapshot } from './job-views.js';
import { JobsRepository } from './jobs.repository.js';
import { DispatchRegistry } from './queue-dispatch.js';
import { WaitingJobsRepository } from './waiting-jobs.repository.js';

/** Fields of ComfyUI's history messages that are tensor dumps or tracebacks, not for browsers. */
const droppedMessageFields = new Set(['traceback', 'current_inputs', 'current_outputs']);

/** Newest first by id. */
const pageCursor = keysetCursor(rowId);

/**
 * The read side of the ledger (status, history, lists) and cancellation. Users see their own jobs,
 * curators and admins everyone's; someone else's job answers 404 `comfy.job_not_found`, so ids do not
 * reveal that a job exists. Cancelling needs the owner or an admin (a curator who can see the job
 * gets 403).
 */
@Injectable()
export class JobsService {
  constructor(
    private readonly comfy: ComfyService,
    private readonly jobs: JobsRepository,
    private readonly tracker: JobTracker,
    private readonly backends: BackendDirectory,
    private readonly waiting: WaitingJobsRepository,
    private readonly dispatch: DispatchRegistry,
  ) {}

  async findVisible(user: AuthUser, promptId: string): Promise<ComfyJobEntity> {
    const job = await this.jobs.findByPromptId(promptId);
    if (!job || (job.ownerId !== user.id && !roleAtLeast(user.role, 'curator'))) {
      throw new AppError('comfy.job_not_found', 'There is no such job');
    }
    return job;
  }

  async status(user: AuthUser, promptId: string): Promise<ComfyStatusResponse> {
    const job = await this.findVisible(user, promptId);
    let snapshot = this.current(job);
    if (snapshot.status === 'queued') {
      const position = await this.queuePosition(job);
      if (position !== null) snapshot = { ...snapshot, queuePosition: position };
    }
    const body = toStatusResponse(promptId, snapshot);
    if (snapshot.status === 'waiting') {
      const order = await this.waiting.ownerOrder(job.ownerId);
      const index = order.findIndex((entry) => entry.promptId === promptId);
      if (index >= 0) body.waiting_position = index + 1;
    }
    return body;
  }

  async history(user: AuthUser, promptId: string): Promise<ComfyHistoryResponse> {
    const job = await this.findVisible(user, promptId);
    const snapshot = this.current(job);
    let items: ComfyHistoryResponse['items'] = [];
    // The backend that ran it (jobs from before the pool ran on the default one).
    const wiring = this.backends.get(job.backendId ?? this.backends.defaultId())?.wiring ?? null;
    if (wiring) {
      // ComfyUI's history is capped and forgotten on restart: without it the ledger still answers.
      const entry = await wiring.probe.getHistory(promptId).catch(() => null);
      if (entry) items = entry.status.messages.map(sanitiseMessage);
    }
    return {
      prompt_id: promptId,
      status: snapshot.status,
      progress: snapshot.progress,
      images: snapshot.images,
      items,
    };
  }

  async list(user: AuthUser, query: JobsQueryDto): Promise<JobListResponse> {
    const mineOnly = !roleAtLeast(user.role, 'curator') || isTrueWord(query.mine);
    const limit = query.limit ?? 20;
    // Waiting jobs come in queue order (per owner): their cursor is a place in it, not an id.
    const isQueueOrder = query.status === 'waiting';
    const after = query.cursor === undefined ? undefined : pageCursor.decode(query.cursor)[0];
    const rows = await this.jobs.list({
      ownerId: mineOnly ? user.id : undefined,
      status: query.status,
      beforeId: isQueueOrder ? undefined : after,
      offset: isQueueOrder ? after : undefined,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      items: page.map((job) =>
        toJobSummary(job, this.tracker.snapshotOf(job.promptId), (id) => this.backends.get(id)?.name ?? null),
      ),
      next_cursor:
        rows.length > limit && last ? pageCursor.encode(isQueueOrder ? (after ?? 0) + limit : last.id) : null,
    };
  }

  async cancel(user: AuthUser, promptId: string): Promise<ComfyCancelResponse> {
    const job = await this.findVisible(user, promptId);
    if (job.ownerId !== user.id && user.role !== 'admin') {
      throw new AppError('auth.forbidden', 'Only the owner or an admin can cancel this job');
    }
    const status = this.current(job).status;
    if (terminalJobStatuses.includes(status)) return { prompt_id: promptId, action: 'none', status };
    if (status === 'waiting') {
      // Only in Atelier's queue: no ComfyUI call. A post on its way finds the job cancelled and takes it back.
      if (await this.waiting.end(promptId, 'interrupted', null)) {
        this.dispatch.current()?.withdraw(promptId);
        this.tracker.cancelled(job);
        return { prompt_id: promptId, action: 'deleted', status: 'interrupted' };
      }
      // Posted meanwhile: cancel it where it went.
      const fresh = await this.jobs.findByPromptId(promptId);
      if (!fresh || terminalJobStatuses.includes(fresh.status) || fresh.status === 'waiting') {
        return { prompt_id: promptId, action: 'none', status: fresh?.status ?? status };
      }
      job.backendId = fresh.backendId;
    }

    const wiring =
      this.backends.get(job.backendId ?? this.backends.defaultId())?.wiring ?? this.comfy.require();
    const undo = this.tracker.expectCancel(promptId);
    let outcome: 'deleted' | 'interrupted' | 'not_found';
    try {
      outcome = await wiring.client.cancel(promptId);
    } catch (error) {
      undo();
      throw toComfyAppError(error);
    }
    if (outcome === 'not_found') undo();
    if (outcome === 'deleted') {
      // Removed from the queue, it will never reach history: record the end ourselves.
      this.tracker.cancelled(job);
      return { prompt_id: promptId, action: 'deleted', status: 'interrupted' };
    }
    const after = this.current(job).status;
    // Interrupting is asynchronous: the stream and status report `interrupted` when ComfyUI confirms.
    return { prompt_id: promptId, action: outcome === 'interrupted' ? 'interrupted' : 'none', status: after };
  }

  private current(job: ComfyJobEntity): JobSnapshot {
    return this.tracker.snapshotOf(job.promptId) ?? snapshotFromLedger(job);
  }

  /** Place in its backend's pending list (0 = next), sorted by run order; null when unknown. */
  private async queuePosition(job: ComfyJobEntity): Promise<number | null> {
    const wiring =
      this.backends.get(job.backendId ?? this.backends.defaultId())?.wiring ?? this.comfy.current();
    if (!wiring) return null;
    const queue = await wiring.probe.getQueue().catch(() => null);
    const found = queue ? findInQueue(queue, job.promptId) : null;
    return found?.where === 'pending' ? found.position : null;
  }
}

function sanitiseMessage([event, data]: HistoryMessage): ComfyHistoryResponse['items'][number] {
  const clean = Object.fromEntries(Object.entries(data).filter(([key]) => !droppedMessageFields.has(key)));
  return { event, data: clean };
}
