import type { Role } from '@atelier/contract';
import type { ApiPrompt } from '@atelier/workflow';
import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { LeaderLease } from '../cluster/leader-lease.js';
import { AppError } from '../common/app-error.js';
import {
  BackendDirectory,
  type BackendId,
  type DispatchBackend,
} from '../comfy/backends/backend-directory.js';
import { JobPoster } from '../comfy/job-poster.js';
import type { ComfyJobEntity } from '../comfy/job.entity.js';
import { JobsRepository } from '../comfy/jobs.repository.js';
import { AdmissionRegistry } from '../comfy/queue-admission.js';
import { DispatchRegistry, type PostResult, type QueueDispatch } from '../comfy/queue-dispatch.js';
import { WaitingJobsRepository } from '../comfy/waiting-jobs.repository.js';
import { RuntimeConfig } from '../config/runtime-config.service.js';
import { jobEndEvents } from '../events/app-events.js';
import { EventBus } from '../events/event-bus.js';
import { OwnerQueues, SmoothRoundRobin, type Contender } from './fair-order.js';
import { InFlightJobs } from './in-flight-jobs.js';
import { emptyQueue, readLedgerQueue, statsOf } from './ledger-queue.js';
import type { DispatcherStats, LedgerQueue } from './ledger-queue.js';
import { QueueOwnersRepository } from './queue-owners.repository.js';

/** A backend that failed a post is left alone this long, doubling up to the max, until a post gets through. */
const firstBackoffMs = 500;
const maxBackoffMs = 15_000;
/** With jobs waiting and no backend accepting, look again this often (readiness has no event on every path). */
const idleRecheckMs = 1_000;
const statsSamples = 512;

/**
 * Atelier's queue in memory: per-owner queues mirrored from the ledger's `waiting` rows (loaded at
 * boot), and the jobs each backend holds. It posts a job only to a backend with room (capacity =
 * 1 running + `comfy_prefetch`) that has every class and model the graph needs, picking owners by
 * smooth weighted round-robin (weights and caps from QueueAdmission) and each owner's jobs in their
 * order. An owner with nothing in flight whose job would queue behind others' prefetched jobs is
 * posted with `front` (and may take one slot beyond capacity), so a user with 32 jobs delays
 * another's first by at most the job running on each backend.
 */
@Injectable()
export class Dispatcher implements QueueDispatch, OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(Dispatcher.name);
  private queues = new OwnerQueues<ComfyJobEntity>();
  private readonly turns = new SmoothRoundRobin();
  private inFlight = new InFlightJobs();
  private paused = new Set<number>();
  private readonly backoff = new Map<BackendId, { until: number; delayMs: number }>();
  private readonly detach: (() => void)[] = [];
  private readonly costs: number[] = [];
  private recheck: NodeJS.Timeout | undefined;
  private readonly lastPost = new Map<BackendId, Promise<unknown>>();
  /** Set while offer() pumps: the posts started in that call, by prompt id. */
  private started: Map<string, Promise<PostResult>> | null = null;
  private isReady = false;
  private loads = 0;
  private isStopped = false;

  constructor(
    private readonly registry: DispatchRegistry,
    private readonly directory: BackendDirectory,
    private readonly admission: AdmissionRegistry,
    private readonly poster: JobPoster,
    private readonly waiting: WaitingJobsRepository,
    private readonly jobs: JobsRepository,
    private readonly owners: QueueOwnersRepository,
    private readonly runtime: RuntimeConfig,
    private readonly bus: EventBus,
    private readonly lease: LeaderLease,
  ) {}

  onModuleInit(): void {
    this.registry.use(this);
    const pump = () => this.pump();
    this.detach.push(
      this.bus.subscribe('comfy.backend_state', pump),
      this.bus.subscribe('comfy.wiring_changed', pump),
      this.bus.subscribe('comfy.connection', ({ state }) => {
        if (state === 'open') this.pump();
      }),
      // A raised quota or cap lets held owners go at once.
      this.bus.subscribe('queue.limits_changed', pump),
      // Any setting (a resumed queue, a larger prefetch…), changed on any replica: the leader pumps.
      this.bus.subscribe('config.changed', pump, { from: 'any-replica' }),
      ...jobEndEvents.map((name) => this.bus.subscribe(name, ({ promptId }) => this.ended(promptId))),
      this.bus.subscribe('job.running', ({ promptId }) =>
        this.inFlight.markRunning(promptId, performance.now()),
      ),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.lead(this.lease.isLeader);
  }

  /** Only the leader holds the queue and posts (cluster/): it loads it from the ledger; a follower drops it. */
  async lead(leading: boolean): Promise<void> {
    const load = ++this.loads;
    this.isReady = false;
    ({ queues: this.queues, inFlight: this.inFlight, paused: this.paused } = emptyQueue());
    if (!leading) return;
    const queue = await readLedgerQueue(this.waiting, this.jobs, this.owners, this.directory);
    if (load !== this.loads) return;
    ({ queues: this.queues, inFlight: this.inFlight, paused: this.paused } = queue);
    this.isReady = true;
    this.pump();
  }

  /** The leader's look at the ledger (cluster/): jobs recorded, moved, paused or cancelled on other replicas. */
  resync({ queues, paused }: Pick<LedgerQueue, 'queues' | 'paused'>): void {
    if (!this.isReady || this.isStopped) return;
    for (const promptId of this.inFlight.keys()) queues.remove(promptId);
    [this.queues, this.paused] = [queues, paused];
    this.pump();
  }

  onModuleDestroy(): void {
    this.isStopped = true;
    for (const off of this.detach.splice(0)) off();
    clearTimeout(this.recheck);
  }

  offer(job: ComfyJobEntity): Promise<PostResult> | null {
    if (!this.isReady || this.isStopped || this.inFlight.has(job.promptId)) return null; // adopted already
    this.queues.push(job);
    const started = new Map<string, Promise<PostResult>>();
    this.started = started;
    try {
      this.pump(job.promptId);
    } finally {
      this.started = null;
    }
    return started.get(job.promptId) ?? null;
  }

  withdraw(promptId: string): void {
    this.queues.remove(promptId);
  }

  /** An owner paused or resumed their queue. */
  setPaused(ownerId: number, paused: boolean): void {
    if (paused) this.paused.add(ownerId);
    else this.paused.delete(ownerId);
    this.pump();
  }

  /** A waiting job moved within its owner's queue (0-based index). */
  move(promptId: string, ownerId: number, index: number): void {
    this.queues.move(promptId, ownerId, index);
    this.pump();
  }

  /** Looks for free slots now (also run on every event that may have made one). */
  wake(): void {
    this.pump();
  }

  stats(): DispatcherStats {
    return statsOf({ queues: this.queues, inFlight: this.inFlight }, this.costs);
  }

  private pump(inlineId?: string): void {
    if (!this.isReady || this.isStopped || this.queues.size === 0) return;
    if (this.runtime.get().comfy_queue_paused) return;
    const now = Date.now();
    const accepting = this.directory.list().filter((backend) => backend.accepting);
    const open = accepting.filter((backend) => (this.backoff.get(backend.id)?.until ?? 0) <= now);
    if (open.length === 0) {
      this.recheckLater(idleRecheckMs);
      return;
    }
    const skipped = new Set<number>();
    for (;;) {
      const started = performance.now();
      const contenders = this.contenders(skipped);
      if (contenders.length === 0) {
        // Paused, held over quota or at their cap: nothing announces the end of a quota day.
        if (skipped.size === 0) this.recheckLater(idleRecheckMs);
        return;
      }
      const free = open.filter((backend) => this.inFlight.load(backend.id) < backend.capacity);
      // Every backend full: only an owner with nothing in flight may take the one extra slot each has.
      const pool =
        free.length > 0
          ? free
          : open.filter((backend) => this.inFlight.load(backend.id) === backend.capacity);
      const eligible =
        free.length > 0 ? contenders : contenders.filter((owner) => this.inFlight.ownerLoad(owner.id) === 0);
      if (pool.length === 0 || eligible.length === 0) return;
      const ownerId = this.turns.pick(eligible);
      const job = ownerId === null ? null : this.queues.head(ownerId);
      if (ownerId === null || !job) return;
      // An owner with nothing in flight goes first wherever it lands (`front`): any backend within its
      // extra slot will do, and the one whose running job ends soonest is best.
      const light = this.inFlight.ownerLoad(ownerId) === 0;
      const candidates = light
        ? open.filter((backend) => this.inFlight.load(backend.id) <= backend.capacity)
        : pool;
      const backend = this.route(job, candidates, accepting, light);
      if (!backend) {
        skipped.add(ownerId);
        continue;
      }
      // Behind others' prefetched jobs, a light owner's job goes first (ComfyUI's `front`).
      const front = light && this.inFlight.load(backend.id) > 0;
      this.dispatch(job, backend, front, job.promptId === inlineId);
      this.record(performance.now() - started);
    }
  }

  /** Owners with waiting jobs that may take a slot now, with their weights. */
  private contenders(skipped: ReadonlySet<number>): Contender[] {
    const admission = this.admission.current();
    const out: Contender[] = [];
    for (const ownerId of this.queues.owners()) {
      if (skipped.has(ownerId) || this.paused.has(ownerId)) continue;
      const role: Role = this.queues.head(ownerId)?.ownerRole ?? 'user';
      const share = admission.shareOf(ownerId, role);
      if (share.held) continue;
      if (share.maxRunning !== null && this.inFlight.ownerLoad(ownerId) >= share.maxRunning) continue;
      out.push({ id: ownerId, weight: share.weight });
    }
    return out;
  }

  /**
   * The backend among `candidates` that should run the job: one that has what the graph needs, not the
   * one that lost it before while another accepting backend could take it, then the least loaded.
   */
  private route(
    job: ComfyJobEntity,
    candidates: readonly DispatchBackend[],
    accepting: readonly DispatchBackend[],
    light: boolean,
  ): DispatchBackend | null {
    if (job.backendId !== null) {
      // Claimed before a restart: only that backend may have it; gone, the claim goes with it.
      if (this.directory.get(job.backendId)) return candidates.find((b) => b.id === job.backendId) ?? null;
      job.backendId = null;
      void this.waiting.unclaim(job.promptId).catch(() => undefined);
    }
    const prompt = job.workflow as ApiPrompt;
    const canRun = (backend: DispatchBackend) => backend.missing(prompt).length === 0;
    const able = candidates.filter(canRun);
    const avoid = job.avoidBackendId;
    let choice = able.filter((backend) => backend.id !== avoid);
    if (choice.length === 0) {
      // Only the backend that lost it is free: wait for another that could run it, if there is one.
      if (avoid !== null && accepting.some((backend) => backend.id !== avoid && canRun(backend))) return null;
      choice = able;
    }
    // The least loaded, then the one whose running job started first (it frees up first, for jobs of a
    // size, the usual case). A light owner's job is posted `front`: only the running job is ahead of it,
    // so the soonest free backend comes first and the load only breaks ties.
    const rank = (backend: DispatchBackend): [number, number] => {
      const load = this.inFlight.load(backend.id);
      const since = this.inFlight.busySince(backend.id, performance.now());
      return light ? [since, load] : [load, since];
    };
    return choice.reduce<DispatchBackend | null>((best, backend) => {
      if (!best) return backend;
      const [a, b] = rank(backend);
      const [bestA, bestB] = rank(best);
      return a < bestA || (a === bestA && b < bestB) ? backend : best;
    }, null);
  }

  private dispatch(job: ComfyJobEntity, backend: DispatchBackend, front: boolean, inline: boolean): void {
    const promptId = job.promptId;
    this.queues.remove(promptId, job.ownerId);
    this.inFlight.set(promptId, { backendId: backend.id, ownerId: job.ownerId });
    const resume = job.backendId !== null;
    // Posts reach a backend in dispatch order (its queue's order): on Postgres a later claim may commit first.
    const posting = (this.lastPost.get(backend.id) ?? Promise.resolve())
      .then(() => this.poster.post(job, backend, { front, inline, resume }))
      .catch(async (error: unknown): Promise<PostResult> => {
        this.logger.error({ err: error, promptId }, 'Posting a waiting job failed');
        const isWaiting = await this.waiting.unclaim(promptId).catch(() => false);
        const failure = new AppError('internal', 'The job could not be posted');
        return isWaiting ? { outcome: 'retry', error: failure } : { outcome: 'cancelled' };
      });
    this.lastPost.set(backend.id, posting);
    this.started?.set(promptId, posting);
    void posting.then((result) => this.settled(job, promptId, backend.id, result));
  }

  private settled(job: ComfyJobEntity, postedAs: string, backendId: BackendId, result: PostResult): void {
    switch (result.outcome) {
      case 'accepted': {
        this.backoff.delete(backendId);
        // ComfyUI before early 2025 picks its own id: follow the job under the one it was given.
        const entry = this.inFlight.get(postedAs);
        if (entry && job.promptId !== postedAs) {
          this.inFlight.delete(postedAs);
          this.inFlight.set(job.promptId, entry);
        }
        return;
      }
      case 'retry': {
        this.inFlight.delete(postedAs);
        job.backendId = null;
        this.queues.unshift(job);
        const delayMs = Math.min(
          maxBackoffMs,
          (this.backoff.get(backendId)?.delayMs ?? firstBackoffMs / 2) * 2,
        );
        this.backoff.set(backendId, { until: Date.now() + delayMs, delayMs });
        this.logger.warn(
          { promptId: postedAs, backendId, retryInMs: delayMs },
          'A backend did not take a job: it waits again',
        );
        this.recheckLater(delayMs);
        this.pump();
        return;
      }
      case 'rejected':
      case 'cancelled':
        this.inFlight.delete(postedAs);
        this.pump();
        return;
    }
  }

  private ended(promptId: string): void {
    if (!this.inFlight.delete(promptId)) return;
    this.pump();
  }

  private recheckLater(delayMs: number): void {
    if (this.recheck || this.isStopped) return;
    this.recheck = setTimeout(() => {
      this.recheck = undefined;
      this.pump();
    }, delayMs);
    this.recheck.unref();
  }

  private record(ms: number): void {
    this.costs.push(Math.round(ms * 1000));
    if (this.costs.length > statsSamples) this.costs.splice(0, this.costs.length - statsSamples);
  }
}
