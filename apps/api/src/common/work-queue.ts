/** The queue would not run the task soon enough: the caller should answer "busy, retry shortly". */
export class WorkQueueFullError extends Error {
  constructor(
    /** About when the work queued now will have drained. */
    readonly retryAfterMs: number,
  ) {
    super('The work queue is full');
    this.name = 'WorkQueueFullError';
  }
}

export interface WorkQueueOptions {
  /** Tasks running at once. */
  concurrency: number;
  /** Tasks waiting at most; one more is refused at once. */
  maxQueued: number;
  /** A task is refused at once when its estimated wait is longer, and dropped if it waits longer. */
  maxWaitMs: number;
}

/** A queued task's turn: called with a running slot already counted for it. */
type Turn = () => void;

/** Until a task has been timed, the wait estimate assumes this long per task. */
const initialTaskMs = 50;

/**
 * Runs at most `concurrency` tasks at once; later ones wait in FIFO order. A task that would wait
 * longer than `maxWaitMs` (estimated from the recent task durations) or find `maxQueued` ahead of it is
 * refused at once with WorkQueueFullError, so callers answer quickly instead of piling up. A task
 * whose signal aborts while it waits leaves the queue without running (a running task cannot be stopped).
 */
export class WorkQueue {
  private active = 0;
  private readonly waiting: Turn[] = [];
  private averageTaskMs = initialTaskMs;

  constructor(private readonly options: WorkQueueOptions) {}

  get running(): number {
    return this.active;
  }

  get queued(): number {
    return this.waiting.length;
  }

  /** Throws WorkQueueFullError when a task submitted now would be refused at once (as `run` would). */
  assertRoom(): void {
    if (this.active < this.options.concurrency && this.waiting.length === 0) return;
    this.assertMayWait(this.waiting.length);
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    signal?.throwIfAborted();
    if (this.active < this.options.concurrency && this.waiting.length === 0) this.active += 1;
    else await this.waitForTurn(signal);
    const startedAt = performance.now();
    try {
      return await task();
    } finally {
      // Moving average: follows the machine's load without jumping on one slow task.
      this.averageTaskMs = 0.8 * this.averageTaskMs + 0.2 * (performance.now() - startedAt);
      // The slot passes straight to the next in line, so no newcomer can slip in between.
      const next = this.waiting.shift();
      if (next) next();
      else this.active -= 1;
    }
  }

  /** How long a task queued behind `ahead` others would wait for its turn. */
  private estimatedWaitMs(ahead: number): number {
    return Math.ceil((ahead + 1) / this.options.concurrency) * this.averageTaskMs;
  }

  private assertMayWait(ahead: number): void {
    if (ahead >= this.options.maxQueued || this.estimatedWaitMs(ahead) > this.options.maxWaitMs) {
      throw new WorkQueueFullError(this.estimatedWaitMs(ahead));
    }
  }

  private waitForTurn(signal: AbortSignal | undefined): Promise<void> {
    const { maxWaitMs } = this.options;
    this.assertMayWait(this.waiting.length);
    return new Promise<void>((resolve, reject) => {
      const settle = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const turn: Turn = () => {
        settle();
        resolve();
      };
      const leave = (error: Error) => {
        const index = this.waiting.indexOf(turn);
        if (index >= 0) this.waiting.splice(index, 1);
        settle();
        reject(error);
      };
      const onAbort = () =>
        leave(
          signal?.reason instanceof Error ? signal.reason : new Error('Aborted', { cause: signal?.reason }),
        );
      // The estimate was wrong (the machine slowed down): refuse rather than wait on.
      const timer = setTimeout(
        () => leave(new WorkQueueFullError(this.estimatedWaitMs(this.queued))),
        maxWaitMs,
      );
      timer.unref();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(turn);
    });
  }
}
