import type { BackgroundFailedJob, BackgroundQueueView } from '@atelier/contract';
import { Logger } from '@nestjs/common';
import { Queue, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BackgroundJobs,
  backoffDelay,
  failedListed,
  queueNamePattern,
  type AddOptions,
  type DefineOptions,
  type JobHandler,
} from './background-jobs.js';

/** How long each step of a shutdown waits for BullMQ (running jobs, a Redis that answers). */
export const closeBoundMs = 10_000;

/** Keys are `atelier:<queue>:…`, apart from anything else the Redis holds. */
const prefix = 'atelier';

/**
 * Scale-out mode's background jobs: a BullMQ Queue and Worker per name in every replica, so any
 * replica runs what any other added. Failed jobs are kept (`removeOnFail: false`): BullMQ's failed set
 * is the dead-letter list. Repeatables are job schedulers, one per name for the whole cluster.
 *
 * Its own two connections, not the event bus's: BullMQ needs `maxRetriesPerRequest: null` (its commands
 * wait through a Redis restart instead of failing), and each Worker adds a blocking connection of its
 * own (duplicated from `workerConnection`), which BullMQ closes with the Worker.
 */
export class BullmqBackgroundJobs extends BackgroundJobs {
  readonly mode = 'redis' as const;
  private readonly logger = new Logger('BackgroundJobs');
  private readonly queues = new Map<string, { queue: Queue; worker: Worker }>();
  private readonly queueConnection: Redis;
  private readonly workerConnection: Redis;

  constructor(url: string, replicaId: string) {
    super();
    const connect = (role: string) => {
      const client = new Redis(url, {
        connectionName: `atelier:${replicaId}:${role}`,
        maxRetriesPerRequest: null,
      });
      // Outages are logged by the Redis module's connections; an unhandled 'error' would end the process.
      client.on('error', () => undefined);
      return client;
    };
    this.queueConnection = connect('jobs');
    this.workerConnection = connect('workers');
  }

  define<T>(name: string, handler: JobHandler<T>, options: DefineOptions = {}): void {
    if (!queueNamePattern.test(name)) throw new Error(`Bad queue name ${name}`);
    if (this.queues.has(name)) throw new Error(`Queue ${name} is defined twice`);
    const { backoff } = options;
    const queue = new Queue(name, {
      connection: this.queueConnection,
      prefix,
      defaultJobOptions: {
        attempts: options.attempts ?? 1,
        ...(backoff
          ? {
              backoff:
                backoff.type === 'listed'
                  ? { type: 'listed' }
                  : { type: backoff.type, delay: backoff.delayMs },
            }
          : {}),
        // Done jobs go; failed ones stay as the dead-letter list until an admin retries them.
        removeOnComplete: true,
        removeOnFail: false,
      },
    });
    const worker = new Worker(
      name,
      (job: Job) => handler(job.data as T, { id: job.id ?? '', attempt: job.attemptsMade + 1 }),
      {
        connection: this.workerConnection,
        prefix,
        concurrency: options.concurrency ?? 1,
        // Only asked for types BullMQ does not know itself: 'listed'.
        settings: { backoffStrategy: (attemptsMade: number) => backoffDelay(backoff, attemptsMade) },
      },
    );
    queue.on('error', (error) => this.logger.warn(`Queue ${name}: ${error.message}`));
    worker.on('error', (error) => this.logger.warn(`Worker of ${name}: ${error.message}`));
    worker.on('failed', (job, error) => {
      if (job && job.attemptsMade >= (job.opts.attempts ?? 1))
        this.logger.warn(
          `Job ${name}/${job.id} failed after ${job.attemptsMade} attempt(s): ${error.message}`,
        );
    });
    this.queues.set(name, { queue, worker });
  }

  has(name: string): boolean {
    return this.queues.has(name);
  }

  async add<T>(name: string, data: T, options: AddOptions = {}): Promise<string> {
    const job = await this.entry(name).queue.add(name, data, {
      ...(options.jobId !== undefined ? { jobId: options.jobId } : {}),
      ...(options.delay !== undefined ? { delay: options.delay } : {}),
    });
    return job.id ?? '';
  }

  async every(name: string, ms: number): Promise<void> {
    await this.entry(name).queue.upsertJobScheduler(name, { every: ms }, { name, data: {} });
  }

  async failed(name: string, limit = failedListed): Promise<BackgroundFailedJob[]> {
    const jobs = await this.entry(name).queue.getFailed(0, limit - 1);
    return jobs.map((job) => ({
      id: job.id ?? '',
      name,
      reason: job.failedReason ?? '',
      attempts: job.attemptsMade,
      failedAt: new Date(job.finishedOn ?? job.timestamp).toISOString(),
    }));
  }

  async retry(name: string, id: string): Promise<boolean> {
    const job = await this.entry(name).queue.getJob(id);
    if (!job || !(await job.isFailed())) return false;
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return true;
  }

  async overview(): Promise<BackgroundQueueView[]> {
    const names = [...this.queues.keys()].sort();
    return Promise.all(
      names.map(async (name) => {
        const counts = await this.entry(name).queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
        return {
          name,
          counts: {
            waiting: counts['waiting'] ?? 0,
            active: counts['active'] ?? 0,
            delayed: counts['delayed'] ?? 0,
            failed: counts['failed'] ?? 0,
          },
          failed: await this.failed(name),
        };
      }),
    );
  }

  /**
   * Workers first (each finishes its running job; another replica takes what is left waiting), then
   * queues and connections. With Redis down all of that would wait forever (`maxRetriesPerRequest:
   * null`), so it gets `closeBoundMs`; then every connection is dropped.
   */
  async close(): Promise<void> {
    const entries = [...this.queues.values()];
    this.queues.clear();
    const graceful = (async () => {
      await Promise.all(entries.map(({ worker }) => worker.close()));
      await Promise.all(entries.map(({ queue }) => queue.close()));
      await Promise.all(
        [this.queueConnection, this.workerConnection].map(async (client) => {
          if (client.status !== 'ready') return client.disconnect();
          await client.quit().catch(() => client.disconnect());
        }),
      );
    })();
    if (await settlesWithin(graceful, closeBoundMs)) return;
    this.logger.warn(
      `BullMQ did not close within ${closeBoundMs} ms (is Redis down?): dropping its connections`,
    );
    // worker.close(true) would only return the close under way, and BullMQ's disconnect() waits for the
    // client too: each Worker and Queue's own ioredis clients (duplicates of ours, plus the worker's
    // blocking one) are dropped directly, or their reconnecting would keep the process alive. A running
    // job is left to BullMQ's stalled check on another replica.
    for (const client of [this.queueConnection, this.workerConnection]) client.disconnect();
    for (const { worker, queue } of entries)
      for (const client of clientsOf(worker, queue)) client.disconnect();
    // What waited on them fails now; a last moment for it to unwind, then the shutdown goes on regardless.
    await settlesWithin(graceful, 1_000);
  }

  private entry(name: string): { queue: Queue; worker: Worker } {
    const entry = this.queues.get(name);
    if (!entry) throw new Error(`Queue ${name} is not defined`);
    return entry;
  }
}

/** Whether `work` settled (either way) within `ms`; the timer does not hold the process open. */
async function settlesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  const settled = work.then(
    () => true,
    () => true,
  );
  return Promise.race([settled, sleep(ms, false, { ref: false })]);
}

/**
 * The ioredis clients a Worker or Queue made for itself (its connection and, for a worker, the blocking
 * one). BullMQ 6 keeps them on its backend and has no way to drop them without waiting for Redis, hence
 * the private fields; a BullMQ that moves them yields none, and the shutdown then only logs.
 */
function clientsOf(...bases: (Worker | Queue)[]): Redis[] {
  type Connection = { _client?: unknown } | undefined;
  return bases.flatMap((base) => {
    const backend = (
      base as unknown as { backend?: { connection?: Connection; blockingConnection?: Connection } }
    ).backend;
    return [backend?.connection?._client, backend?.blockingConnection?._client].filter(
      (client): client is Redis => client instanceof Redis,
    );
  });
}
