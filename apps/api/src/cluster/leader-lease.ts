import { Logger } from '@nestjs/common';

/**
 * Told `true` when this replica becomes the leader and `false` when it stops being one. A promise it
 * returns is waited for before a stopping replica releases the lease (e.g. its ComfyUI sockets close
 * before the next leader opens its own under the same client id).
 */
export type LeadershipListener = (leading: boolean) => unknown;

/**
 * Which replica runs the once-per-cluster work: the dispatcher's posts, the job tracker's upstreams
 * (one ComfyUI socket per backend per cluster), the backend-lost verdicts, the trash purge. Exactly one
 * replica holds the lease at a time; when it dies another takes it over within a few seconds. It is also
 * the Nest injection token (LeaderLeaseModule picks the implementation).
 */
export abstract class LeaderLease {
  protected readonly logger = new Logger('LeaderLease');
  private readonly listeners = new Set<LeadershipListener>();
  private leading = false;
  private terms = 0;
  /** What the listeners of the last change are still doing. */
  protected settling: Promise<unknown> = Promise.resolve();

  /**
   * True when no other replica can record jobs (embedded, Postgres alone): the leader need not look for
   * waiting rows it was not offered.
   */
  abstract readonly solo: boolean;

  get isLeader(): boolean {
    return this.leading;
  }

  /** Counts the times this replica became the leader: work started in one term must not finish in another. */
  get term(): number {
    return this.terms;
  }

  /** Calls `listener` on every change (not with the current state); returns the unsubscribe. */
  onChange(listener: LeadershipListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Takes part in the election (the boot waits for the first attempt, so a lone replica boots as leader). */
  abstract start(): Promise<void>;

  /** Leaves the election, handing the lease over at once when it holds it (graceful shutdown). */
  abstract stop(): Promise<void>;

  /** `why` is logged (null: silently, as the embedded mode's only change). */
  protected setLeader(leading: boolean, why: string | null): void {
    if (this.leading === leading) return;
    this.leading = leading;
    if (leading) this.terms += 1;
    if (why !== null)
      this.logger.log(
        leading ? `This replica is now the leader (${why})` : `This replica stepped down (${why})`,
      );
    const pending: Promise<unknown>[] = [];
    for (const listener of [...this.listeners]) {
      try {
        const done = listener(leading);
        if (done instanceof Promise) pending.push(done);
      } catch (error) {
        this.logger.error({ err: error }, 'A leadership listener failed');
      }
    }
    this.settling = Promise.allSettled(pending);
  }
}

/** The embedded mode (no Redis): one process, always the leader — today's behaviour exactly. */
export class EmbeddedLeaderLease extends LeaderLease {
  readonly solo = true;

  constructor() {
    super();
    this.setLeader(true, null);
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}
}
