import type { JobState, PreviewEvent } from '@atelier/comfy-client';
import type { ComfyImageRef } from '@atelier/contract';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { LeaderLease } from '../cluster/leader-lease.js';
import { AppConfig } from '../config/app-config.js';
import type { JobEvent, JobSnapshot } from '../events/app-events.js';
import { EventBus } from '../events/event-bus.js';
import { ComfyPool } from './backends/comfy-pool.js';
import type { ComfyWiring } from './comfy.service.js';
import type { ComfyJobEntity } from './job.entity.js';
import { snapshotFromLedger, toImageRefs } from './job-views.js';
import { JobsRepository, type JobChanges } from './jobs.repository.js';
import {
  endStatus,
  failureOf,
  gpuSecondsOf,
  lostError,
  progressOf,
  sameProgress,
  TrackedJob,
  type EndEvent,
  type Tracking,
} from './tracked-job.js';

/** How long a finished job's live state stays after its ledger writes (callers may hold an older row). */
const finishedRetentionMs = 5 * 60_000;

/**
 * The job state machine: per prompt one upstream (the client's `trackJob`, socket first, polling while the
 * socket is down), the live state, and the ledger writes of each transition. It follows every active job,
 * watched or not, and publishes each change on the bus (`job.running`, `job.progress`, … `job.lost`);
 * what a change means to a browser, an upload or a metric is for the subscribers to say.
 */
@Injectable()
export class JobTracker implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(JobTracker.name);
  private readonly jobs = new Map<string, TrackedJob>();
  private readonly detach: (() => void)[] = [];

  constructor(
    private readonly pool: ComfyPool,
    private readonly ledger: JobsRepository,
    private readonly config: AppConfig,
    private readonly bus: EventBus,
    private readonly lease: LeaderLease,
  ) {}

  onModuleInit(): void {
    this.detach.push(
      this.bus.subscribe('comfy.wiring_changed', ({ backendId }) => this.rewired(this.backendOf(backendId))),
      this.bus.subscribe('comfy.server_exited', ({ reason, backendId }) => {
        this.loseActive(reason, this.backendOf(backendId)).catch((error: unknown) =>
          this.logger.error({ err: error }, 'Marking the jobs of a dead ComfyUI lost failed'),
        );
      }),
      this.bus.subscribe('comfy.backend_reachable', ({ backendId, reason }) => {
        this.reconcileActive(backendId).catch((error: unknown) => {
          this.logger.error({ err: error, backendId, reason }, 'Reconciling ComfyUI jobs failed');
        });
      }),
      this.bus.subscribe('comfy.connection', ({ state, backendId }) => {
        const backend = this.backendOf(backendId);
        for (const job of this.jobs.values()) {
          if (job.backendId !== backend || job.isWaiting) continue;
          if (state === 'open') this.followVia(job, 'socket');
          else if (job.upstream) this.followVia(job, 'polling');
        }
      }),
    );
  }

  async onModuleDestroy(): Promise<void> {
    for (const off of this.detach.splice(0)) off();
    for (const job of this.jobs.values()) {
      job.upstream?.abort();
      clearTimeout(job.evictTimer);
    }
    await Promise.all([...this.jobs.values()].map((job) => job.persisting));
    this.jobs.clear();
  }

  /** Starts following a job (just queued, found active in the ledger, or asked for by a subscriber). */
  track(row: ComfyJobEntity): void {
    const job = this.jobFor(row);
    if (row.status === 'waiting') return;
    // Known here while it waited (a stream opened then): it has been posted since.
    if (job.isWaiting) job.snapshot = { ...job.snapshot, status: row.status };
    if (job.isTerminal) return;
    // Known here before it was posted (a stream opened while it waited): follow it where it went.
    const backendId = this.backendOf(row.backendId);
    if (job.backendId !== backendId) {
      job.backendId = backendId;
      job.upstream?.abort();
      job.upstream = null;
    }
    this.startUpstream(job, false);
  }

  /**
   * Makes every active job take a fresh look at ComfyUI (after it came back, or the socket reconnected):
   * each upstream restarts, and `trackJob` begins with /queue then /history/{id}, so a job ComfyUI lost
   * becomes `lost` and one that finished meanwhile gets its outputs.
   */
  async reconcileActive(backendId: number = this.pool.defaultId()): Promise<void> {
    if (!this.pool.wiringOf(backendId)) return;
    for (const row of await this.ledger.listActive()) {
      if (this.backendOf(row.backendId) !== backendId) continue;
      const job = this.jobFor(row);
      if (!job.isTerminal) this.startUpstream(job, true);
    }
  }

  /**
   * A backend's process died (managed mode knows), or it stayed unreachable past `comfy_backend_lost_after_s`:
   * every job it had queued or was running is lost (its queue lived in its memory).
   */
  private async loseActive(reason: string, backendId: number): Promise<void> {
    if (!this.lease.isLeader) return; // the leader's verdict (cluster/leader-lease.ts)
    const active = (await this.ledger.listActive()).filter(
      (row) => this.backendOf(row.backendId) === backendId,
    );
    if (active.length > 0)
      this.logger.warn({ jobs: active.length, reason, backendId }, 'ComfyUI died: its jobs are lost');
    for (const row of active) this.apply(this.jobFor(row), { status: 'lost', promptId: row.promptId });
  }

  /** The live state of a job the tracker follows, or null (then the ledger is the truth). */
  snapshotOf(promptId: string): JobSnapshot | null {
    return this.jobs.get(promptId)?.snapshot ?? null;
  }

  /** Whether a job of this owner still held here produced the image (its ledger write may be on its way). */
  hasImageOf(ownerId: number, ref: ComfyImageRef): boolean {
    const backend = this.backendOf(ref.backend);
    const same = (image: ComfyImageRef) =>
      image.filename === ref.filename &&
      image.subfolder === ref.subfolder &&
      image.type === ref.type &&
      this.backendOf(image.backend) === backend;
    for (const job of this.jobs.values()) {
      if (job.ownerId === ownerId && job.snapshot.images.some(same)) return true;
    }
    return false;
  }

  /** Drops what the tracker knows of a job (it is about to be submitted again under the same id). */
  forget(promptId: string): void {
    const job = this.jobs.get(promptId);
    if (!job) return;
    job.upstream?.abort();
    clearTimeout(job.evictTimer);
    this.jobs.delete(promptId);
  }

  /**
   * A job is about to be deleted from the queue: ComfyUI will then not know it, which means cancelled,
   * not lost. Returns the undo for when the cancel did not happen.
   */
  expectCancel(promptId: string): () => void {
    const job = this.jobs.get(promptId);
    if (!job) return () => undefined;
    job.cancelRequested = true;
    return () => {
      job.cancelRequested = false;
    };
  }

  /** Records a job removed from the queue as interrupted. */
  cancelled(row: ComfyJobEntity): void {
    const state: JobState = { status: 'interrupted', promptId: row.promptId, node: null, nodeType: null };
    this.apply(this.jobFor(row), state);
  }

  /** Counts for tests: followed jobs and running upstreams. */
  stats(promptId?: string): { jobs: number; upstreams: number } {
    const jobs = promptId
      ? [this.jobs.get(promptId)].filter((job) => job !== undefined)
      : [...this.jobs.values()];
    return { jobs: jobs.length, upstreams: jobs.filter((job) => job.upstream !== null).length };
  }

  private jobFor(row: ComfyJobEntity): TrackedJob {
    let job = this.jobs.get(row.promptId);
    if (!job) {
      job = new TrackedJob(row.promptId, row.ownerId, this.backendOf(row.backendId), snapshotFromLedger(row));
      job.ownerRole = row.ownerRole;
      this.jobs.set(row.promptId, job);
      if (job.isTerminal) this.scheduleEviction(job);
    }
    return job;
  }

  /** A job's or an event's backend: none named means the default one. */
  private backendOf(backendId: number | null | undefined): number {
    return backendId ?? this.pool.defaultId();
  }

  private startUpstream(job: TrackedJob, restart: boolean): void {
    // Only the leader follows jobs upstream (one ComfyUI socket per backend per cluster).
    const wiring = this.lease.isLeader ? this.pool.wiringOf(job.backendId) : null;
    if (!wiring || (job.upstream && !restart)) return;
    job.upstream?.abort();
    const abort = new AbortController();
    job.upstream = abort;
    if (!wiring.socket.isOpen) this.followVia(job, 'polling');
    void this.follow(job, wiring, abort);
  }

  private async follow(job: TrackedJob, wiring: ComfyWiring, abort: AbortController): Promise<void> {
    try {
      const states = wiring.client.trackJob(job.promptId, {
        socket: wiring.socket,
        pollIntervalMs: this.config.comfyTuning.pollIntervalMs,
        signal: abort.signal,
        onPreview: (preview) => {
          if (!abort.signal.aborted) this.preview(job, preview);
        },
      });
      for await (const state of states) {
        if (abort.signal.aborted) break;
        this.apply(job, state);
      }
    } catch (error) {
      this.logger.warn({ err: error, promptId: job.promptId }, 'Following a ComfyUI job failed');
    } finally {
      if (job.upstream === abort) job.upstream = null;
    }
  }

  /** Turns the next state ComfyUI reports into a transition: a new snapshot, ledger writes, events. */
  private apply(job: TrackedJob, incoming: JobState): void {
    if (job.isTerminal) return;
    const state: JobState =
      incoming.status === 'lost' && job.cancelRequested
        ? { status: 'interrupted', promptId: incoming.promptId, node: null, nodeType: null }
        : incoming;
    const previous = job.snapshot;

    switch (state.status) {
      case 'queued': {
        if (previous.status !== 'queued' || previous.queuePosition === state.position) return;
        job.snapshot = { ...previous, queuePosition: state.position };
        this.publish('job.position', job);
        return;
      }
      case 'running': {
        const progress = progressOf(state, previous.progress);
        job.snapshot = { ...previous, status: 'running', queuePosition: null, progress };
        if (previous.status !== 'running') {
          job.runningSince = Date.now();
          this.persist(job, { status: 'running', startedAt: new Date() });
          this.publish('job.running', job);
        }
        if (progress && !sameProgress(progress, previous.progress)) {
          void this.bus.publish('job.progress', { ...this.eventOf(job), progress });
        }
        return;
      }
      case 'succeeded': {
        // Output names are per server (`prefix_00001_.png` on each): refs of other backends name theirs.
        const backend = job.backendId === this.pool.defaultId() ? undefined : job.backendId;
        this.finish(job, 'job.succeeded', { images: toImageRefs(state.images, backend), error: null }, state);
        return;
      }
      case 'failed':
        this.finish(job, 'job.failed', { error: failureOf(state) }, state);
        return;
      case 'interrupted':
        this.finish(job, 'job.interrupted', { error: null }, state);
        return;
      case 'lost':
        this.finish(job, 'job.lost', { error: lostError }, state);
        return;
    }
  }

  private finish(job: TrackedJob, event: EndEvent, changes: Partial<JobSnapshot>, ended: JobState): void {
    const status = endStatus[event];
    // A job cancelled while waiting never reached a backend: it ran nowhere and cost nothing.
    const backendId = job.isWaiting ? null : job.backendId;
    const gpuSeconds = gpuSecondsOf(job, ended);
    job.snapshot = { ...job.snapshot, ...changes, status, queuePosition: null };
    job.upstream?.abort();
    job.upstream = null;
    const { images, error } = job.snapshot;
    this.persist(job, { status, images, error, finishedAt: new Date(), gpuSeconds });
    void this.bus.publish(event, { ...this.eventOf(job), backendId, ownerRole: job.ownerRole, gpuSeconds });
    this.scheduleEviction(job);
  }

  private preview(job: TrackedJob, preview: PreviewEvent): void {
    if (job.isTerminal || (preview.format !== 'jpeg' && preview.format !== 'png')) return;
    void this.bus.publish('job.preview', {
      ...this.eventOf(job),
      format: preview.format,
      mimeType: preview.mimeType,
      bytes: preview.bytes,
    });
  }

  /** Publishes a change of how a job is followed, once per change (a polling job is not re-announced). */
  private followVia(job: TrackedJob, via: Tracking): void {
    if (job.via === via || job.isTerminal) return;
    job.via = via;
    void this.bus.publish('job.tracking', { ...this.eventOf(job), via });
  }

  private rewired(backendId: number): void {
    const current = this.pool.wiringOf(backendId);
    for (const job of this.jobs.values()) {
      if (job.isTerminal || job.isWaiting || job.backendId !== backendId) continue;
      if (current) {
        // A new socket: the job is heard again once it opens (startUpstream says so if it is not open yet).
        this.followVia(job, 'socket');
        this.startUpstream(job, true);
        continue;
      }
      job.upstream?.abort();
      job.upstream = null;
      this.followVia(job, 'stopped');
    }
  }

  /** Ledger writes of one job, in order; a failed write is logged and the job goes on. */
  private persist(job: TrackedJob, changes: JobChanges): void {
    job.persisting = job.persisting
      .then(() => this.ledger.updateActive(job.promptId, changes))
      .then(
        () => undefined,
        (error: unknown) => this.logger.error({ err: error, promptId: job.promptId }, 'Ledger write failed'),
      );
  }

  private scheduleEviction(job: TrackedJob): void {
    clearTimeout(job.evictTimer);
    job.evictTimer = setTimeout(() => {
      if (this.jobs.get(job.promptId) === job) this.jobs.delete(job.promptId);
    }, finishedRetentionMs);
    job.evictTimer.unref();
  }

  private publish(event: 'job.position' | 'job.running' | EndEvent, job: TrackedJob): void {
    void this.bus.publish(event, this.eventOf(job));
  }

  private eventOf(job: TrackedJob): JobEvent {
    return { promptId: job.promptId, ownerId: job.ownerId, job: job.snapshot };
  }
}
