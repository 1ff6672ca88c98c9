import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { BackendDirectory } from '../comfy/backends/backend-directory.js';
import { JobTracker } from '../comfy/job-tracker.js';
import type { ComfyJobEntity } from '../comfy/job.entity.js';
import { JobsRepository } from '../comfy/jobs.repository.js';
import { WaitingJobsRepository } from '../comfy/waiting-jobs.repository.js';
import { Dispatcher } from '../dispatch/dispatcher.service.js';
import { OwnerQueues } from '../dispatch/fair-order.js';
import { QueueOwnersRepository } from '../dispatch/queue-owners.repository.js';
import { EventBus } from '../events/event-bus.js';
import { LeaderLease } from './leader-lease.js';

/** How often the leader reads the ledger's queue for what other replicas recorded or changed. */
export const waitingPollMs = 1_000;

/**
 * What changes hands with the lease. Gaining it: the dispatcher loads the queue from the ledger and
 * pumps, and the tracker follows every active job again from ComfyUI's /queue and /history (the restart
 * path: a job the old leader was following finishes here). Losing it: the pump stops and the upstreams
 * close, and no job is touched (the next leader carries on from the ledger).
 *
 * A follower records a new job as `waiting` and stops there (its dispatcher holds no queue), and its
 * pause, reorder and cancel change only the ledger: the leader reads the waiting rows and the paused
 * owners when a follower's `job.waiting` arrives and every second anyway, so nothing depends on an
 * event crossing Redis (at most once).
 * In the embedded mode the lease never changes and there is no poll: today's behaviour.
 */
@Injectable()
export class LeaderDuties implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(LeaderDuties.name);
  private readonly detach: (() => void)[] = [];
  private tracker!: JobTracker;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  /** The change being applied: the next one waits for it (a takeover's reconcile is not interleaved). */
  private changing: Promise<void> = Promise.resolve();

  constructor(
    @Inject(LeaderLease) private readonly lease: LeaderLease,
    private readonly dispatcher: Dispatcher,
    private readonly modules: ModuleRef,
    private readonly jobs: JobsRepository,
    private readonly waiting: WaitingJobsRepository,
    private readonly owners: QueueOwnersRepository,
    private readonly directory: BackendDirectory,
    private readonly bus: EventBus,
  ) {}

  onModuleInit(): void {
    // The comfy module keeps its tracker to itself; this is its one other user.
    this.tracker = this.modules.get(JobTracker, { strict: false });
    this.detach.push(
      this.lease.onChange((leading) => {
        this.changing = this.changing.then(() => this.changed(leading));
      }),
      // A job recorded on a follower: read the waiting rows now rather than at the next poll.
      this.bus.subscribe(
        'job.waiting',
        (_job, { local }) => {
          if (!local) void this.poll();
        },
        { from: 'any-replica' },
      ),
    );
  }

  onApplicationBootstrap(): void {
    // Alone on its database, every job is offered to this dispatcher as it is recorded (today's path).
    if (!this.lease.solo) this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    for (const off of this.detach.splice(0)) off();
    clearTimeout(this.timer);
    await this.changing;
  }

  private async changed(leading: boolean): Promise<void> {
    try {
      if (!leading) {
        await this.dispatcher.lead(false);
        for (const row of await this.jobs.listActive()) this.tracker.forget(row.promptId);
        return;
      }
      await this.dispatcher.lead(true);
      for (const backend of this.directory.list()) await this.tracker.reconcileActive(backend.id);
    } catch (error) {
      this.logger.error({ err: error, leading }, 'Taking over or handing over the leader duties failed');
    }
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.poll().finally(() => this.schedule()), waitingPollMs);
    this.timer.unref();
  }

  private async poll(): Promise<void> {
    if (!this.lease.isLeader) return;
    try {
      const queues = new OwnerQueues<ComfyJobEntity>();
      for (const row of await this.waiting.listWaiting()) queues.push(row);
      const paused = new Set<number>();
      for (const [userId, switches] of await this.owners.all()) if (switches.paused) paused.add(userId);
      this.dispatcher.resync({ queues, paused });
    } catch (error) {
      this.logger.warn({ err: error }, 'Reading the waiting jobs failed');
    }
  }
}
