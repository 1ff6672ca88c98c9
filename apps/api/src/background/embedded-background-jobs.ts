import type { BackgroundFailedJob, BackgroundQueueView } from '@atelier/contract';
import { Logger } from '@nestjs/common';
import {
  BackgroundJobs,
  backoffDelay,
  failedListed,
  queueNamePattern,
  type AddOptions,
  type DefineOptions,
  type JobHandler,
} from './background-jobs.js';

interface Job {
  id: string;
  data: unknown;
  /** Attempts made so far. */
  attempts: number;
}

interface Queue {
  name: string;
  handler: JobHandler<unknown>;
  options: DefineOptions;
  waiting: Job[];
  delayed: Map<string, NodeJS.Timeout>;
  active: Map<string, Promise<void>>;
  /** Newest last; capped so a job failing every minute for months cannot fill the memory. */
  failed: (BackgroundFailedJob & { data: unknown })[];
}

/** Failed jobs kept per queue in memory (the oldest go first). */
const failedKept = 500;

/**
 * The embedded mode's background jobs: timers and retries in this process, the failed list in memory
 * (gone at restart, as the jobs themselves would be). Nothing is shared: with one process there is no
 * one to share with.
 */
export class EmbeddedBackgroundJobs extends BackgroundJobs {
  readonly mode = 'embedded' as const;
  private readonly logger = new Logger('BackgroundJobs');
  private readonly queues = new Map<string, Queue>();
  private readonly repeats = new Set<NodeJS.Timeout>();
  private nextId = 1;
  private closed = false;

  define<T>(name: string, handler: JobHandler<T>, options: DefineOptions = {}): void {
    if (!queueNamePattern.test(name)) throw new Error(`Bad queue name ${name}`);
    if (this.queues.has(name)) throw new Error(`Queue ${name} is defined twice`);
    this.queues.set(name, {
      name,
      handler: handler as JobHandler<unknown>,
      options,
      waiting: [],
      delayed: new Map(),
      active: new Map(),
      failed: [],
    });
  }

  has(name: string): boolean {
    return this.queues.has(name);
  }

  add<T>(name: string, data: T, options: AddOptions = {}): Promise<string> {
    const queue = this.queue(name);
    const id = options.jobId ?? String(this.nextId++);
    const known = queue.delayed.has(id) || queue.active.has(id) || queue.waiting.some((job) => job.id === id);
    if (!known && !this.closed) this.schedule(queue, { id, data, attempts: 0 }, options.delay ?? 0);
    return Promise.resolve(id);
  }

  every(name: string, ms: number): Promise<void> {
    const queue = this.queue(name);
    const jobId = `every-${name}`;
    const tick = () => void this.add(name, {}, { jobId });
    // The first run starts within this call, as the timers it replaces did at boot: work asked for
    // right after the boot (a test's purgeNow()) queues behind it.
    if (!this.closed) this.schedule(queue, { id: jobId, data: {}, attempts: 0 }, 0, true);
    const timer = setInterval(tick, ms);
    timer.unref();
    this.repeats.add(timer);
    return Promise.resolve();
  }

  failed(name: string, limit = failedListed): Promise<BackgroundFailedJob[]> {
    const list = this.queue(name).failed.slice(-limit).reverse();
    return Promise.resolve(list.map(({ data: _data, ...job }) => job));
  }

  retry(name: string, id: string): Promise<boolean> {
    const queue = this.queue(name);
    const index = queue.failed.findIndex((job) => job.id === id);
    if (index < 0 || this.closed) return Promise.resolve(false);
    const [job] = queue.failed.splice(index, 1);
    this.schedule(queue, { id, data: job!.data, attempts: 0 }, 0);
    return Promise.resolve(true);
  }

  async overview(): Promise<BackgroundQueueView[]> {
    const names = [...this.queues.keys()].sort();
    return Promise.all(
      names.map(async (name) => {
        const queue = this.queue(name);
        return {
          name,
          counts: {
            waiting: queue.waiting.length,
            active: queue.active.size,
            delayed: queue.delayed.size,
            failed: queue.failed.length,
          },
          failed: await this.failed(name),
        };
      }),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.repeats) clearInterval(timer);
    this.repeats.clear();
    const running: Promise<void>[] = [];
    for (const queue of this.queues.values()) {
      for (const timer of queue.delayed.values()) clearTimeout(timer);
      queue.delayed.clear();
      queue.waiting.length = 0;
      running.push(...queue.active.values());
    }
    await Promise.all(running);
  }

  private queue(name: string): Queue {
    const queue = this.queues.get(name);
    if (!queue) throw new Error(`Queue ${name} is not defined`);
    return queue;
  }

  private schedule(queue: Queue, job: Job, delayMs: number, startNow = false): void {
    if (startNow) {
      queue.waiting.push(job);
      this.pump(queue);
      return;
    }
    if (delayMs <= 0) {
      queue.waiting.push(job);
      // Never inside the caller's turn: add() returns before the handler starts, as with BullMQ.
      setImmediate(() => this.pump(queue));
      return;
    }
    const timer = setTimeout(() => {
      queue.delayed.delete(job.id);
      queue.waiting.push(job);
      this.pump(queue);
    }, delayMs);
    timer.unref();
    queue.delayed.set(job.id, timer);
  }

  private pump(queue: Queue): void {
    const concurrency = queue.options.concurrency ?? 1;
    while (!this.closed && queue.active.size < concurrency && queue.waiting.length > 0) {
      const job = queue.waiting.shift()!;
      const run = this.run(queue, job).finally(() => {
        queue.active.delete(job.id);
        this.pump(queue);
      });
      queue.active.set(job.id, run);
    }
  }

  private async run(queue: Queue, job: Job): Promise<void> {
    job.attempts += 1;
    try {
      await queue.handler(job.data, { id: job.id, attempt: job.attempts });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      const name = queue.name;
      const isFinal = error instanceof Error && error.name === 'UnrecoverableError';
      if (job.attempts < (queue.options.attempts ?? 1) && !this.closed && !isFinal) {
        this.schedule(queue, job, backoffDelay(queue.options.backoff, job.attempts));
        return;
      }
      this.logger.warn(`Job ${name}/${job.id} failed after ${job.attempts} attempt(s): ${reason}`);
      const failedAt = new Date().toISOString();
      queue.failed.push({ id: job.id, name, reason, attempts: job.attempts, failedAt, data: job.data });
      if (queue.failed.length > failedKept) queue.failed.shift();
    }
  }
}
