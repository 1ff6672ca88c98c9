import type { BackgroundFailedJob, BackgroundQueueView } from '@atelier/contract';

/**
 * How long to wait before the next attempt: the same delay each time, doubling from `delayMs`, or
 * `delaysMs[n - 1]` after attempt n (a schedule such as the webhooks' five seconds … eight hours).
 */
export type BackoffOptions =
  { type: 'fixed' | 'exponential'; delayMs: number } | { type: 'listed'; delaysMs: readonly number[] };

export interface DefineOptions {
  /** Tries in all, the first included (default 1: no retry). */
  attempts?: number;
  backoff?: BackoffOptions;
  /** Jobs of this queue run at once in one process (default 1). */
  concurrency?: number;
}

export interface AddOptions {
  /** A job id already waiting, delayed or running is not added twice (BullMQ: never an integer, no `:`). */
  jobId?: string;
  /** Run no sooner than this many ms from now. */
  delay?: number;
}

/** What a handler learns of the job it runs. */
export interface JobContext {
  id: string;
  /** 1 for the first try. */
  attempt: number;
}

export type JobHandler<T> = (data: T, job: JobContext) => Promise<void>;

/**
 * Thrown by a handler whose job must not be tried again, attempts left or not: it goes to the failed list
 * at once. BullMQ recognises it by its name (its own UnrecoverableError), so no BullMQ import is needed.
 */
export class UnrecoverableJobError extends Error {
  override readonly name = 'UnrecoverableError';
}

/**
 * Work that runs away from the request: one queue per job name, defined once per process by the
 * feature that owns the work. Embedded mode (no ATELIER_REDIS_URL) keeps it in this process; scale-out
 * mode puts it on BullMQ queues that every replica works from, so a job added on one replica may run on
 * another and a repeatable job runs once per interval for the whole cluster. Handlers must therefore be
 * idempotent and take plain JSON data. Queue names: lowercase words joined by `.` or `-` (no `:`).
 */
export abstract class BackgroundJobs {
  /** 'redis' when the queues live in Redis (shared by the replicas). */
  abstract readonly mode: 'embedded' | 'redis';

  /** Declares the queue `name` and starts working it in this process. Once per name. */
  abstract define<T>(name: string, handler: JobHandler<T>, options?: DefineOptions): void;

  /** Queues a job; resolves with its id. */
  abstract add<T>(name: string, data: T, options?: AddOptions): Promise<string>;

  /**
   * Runs the queue's job (data `{}`) every `ms`, and once soon after the call. Cluster-wide in scale-out
   * mode: every replica may call it, one scheduler results.
   */
  abstract every(name: string, ms: number): Promise<void>;

  /** The jobs that used up their attempts, newest first (at most `limit`). */
  abstract failed(name: string, limit?: number): Promise<BackgroundFailedJob[]>;

  /** Runs a failed job again with fresh attempts; false when `name` has no failed job `id`. */
  abstract retry(name: string, id: string): Promise<boolean>;

  /** The defined queues with their counts and newest failed jobs, by name. */
  abstract overview(): Promise<BackgroundQueueView[]>;

  /** Whether `name` is a defined queue. */
  abstract has(name: string): boolean;

  /** Stops taking jobs and waits for the running ones (then closes connections). */
  abstract close(): Promise<void>;
}

/** How long before attempt `attempt + 1` (attempt counts from 1). */
export function backoffDelay(backoff: BackoffOptions | undefined, attempt: number): number {
  if (!backoff) return 0;
  if (backoff.type === 'listed') return backoff.delaysMs[attempt - 1] ?? backoff.delaysMs.at(-1) ?? 0;
  return backoff.type === 'fixed' ? backoff.delayMs : backoff.delayMs * 2 ** (attempt - 1);
}

/** Queue names BullMQ accepts and keys stay readable with. */
export const queueNamePattern = /^[a-z0-9]+(?:[.-][a-z0-9]+)*$/;

/** Failed jobs listed per queue in the overview. */
export const failedListed = 50;
