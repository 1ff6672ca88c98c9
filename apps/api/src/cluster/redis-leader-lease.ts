import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { LeaderLease } from './leader-lease.js';

/** Where the lease lives: one key holding the leader's token, with a time to live. */
export interface LeaseStore {
  /** Takes the lease if nobody holds it (`SET key token NX PX ttl`); true when taken. */
  acquire(token: string, ttlMs: number): Promise<boolean>;
  /** Extends the lease if `token` still holds it; false when it expired or another holds it. */
  renew(token: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease up if `token` holds it. */
  release(token: string): Promise<void>;
}

export interface LeaseTimings {
  /** How long the lease lives without a renewal: a killed leader is replaced after at most this + retryMs. */
  ttlMs: number;
  /** The leader renews this often (a third of the ttl: two renewals may fail before it expires). */
  renewMs: number;
  /** A follower tries to take the lease this often. */
  retryMs: number;
}

export const defaultLeaseTimings: LeaseTimings = { ttlMs: 3000, renewMs: 1000, retryMs: 1000 };

// Compare-and-act: only the holder's token may extend or delete the key.
const renewScript =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
const releaseScript =
  "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/** The lease as one Redis key (per logical database: a test cluster on its own database has its own). */
export function redisLeaseStore(redis: Redis, key = 'atelier:leader'): LeaseStore {
  return {
    acquire: async (token, ttlMs) => (await redis.set(key, token, 'PX', ttlMs, 'NX')) === 'OK',
    renew: async (token, ttlMs) => Number(await redis.eval(renewScript, 1, key, token, ttlMs)) === 1,
    release: async (token) => {
      await redis.eval(releaseScript, 1, key, token);
    },
  };
}

/**
 * The lease on a shared store (Redis). The leader renews every `renewMs`; a renewal refused (another holds
 * the key) steps it down at once, and failing ones (Redis down) step it down half a renewal before the key
 * may have expired, so two replicas never both think they lead. Followers try every `retryMs`.
 */
export class StoreLeaderLease extends LeaderLease {
  readonly solo = false;
  readonly token: string;
  private timer: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private ticking: Promise<void> | null = null;
  private stopped = false;
  private failing = false;

  constructor(
    private readonly store: LeaseStore,
    replicaId: string,
    private readonly timings: LeaseTimings = defaultLeaseTimings,
  ) {
    super();
    this.token = `${replicaId}:${randomUUID()}`;
  }

  async start(): Promise<void> {
    this.stopped = false;
    await this.run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    // An attempt on its way finishes first, but a hung one (Redis gone quiet) does not hold up the shutdown.
    if (this.ticking) await Promise.race([this.ticking, sleep(this.timings.renewMs)]);
    this.stepDown('shutting down');
    // The next leader opens its sockets under the same ComfyUI client id: ours close first (bounded).
    await Promise.race([this.settling, sleep(this.timings.renewMs)]);
    // Even as a follower: an acquire answered after stop() was called may have taken the key.
    await this.store.release(this.token).catch((error: unknown) => {
      this.logger.warn({ err: error }, 'Releasing the leader lease failed: it expires by itself');
    });
  }

  private run(): Promise<void> {
    this.ticking = this.tick().finally(() => {
      this.ticking = null;
      if (this.stopped) return;
      this.timer = setTimeout(
        () => void this.run(),
        this.isLeader ? this.timings.renewMs : this.timings.retryMs,
      );
      this.timer.unref();
    });
    return this.ticking;
  }

  private async tick(): Promise<void> {
    const sentAt = Date.now();
    try {
      if (this.isLeader) {
        if (await this.store.renew(this.token, this.timings.ttlMs)) this.held(sentAt);
        else if (!this.stopped) this.stepDown('the lease was lost');
      } else if (await this.store.acquire(this.token, this.timings.ttlMs)) {
        this.held(sentAt);
        if (!this.stopped) this.setLeader(true, 'lease acquired');
      }
      this.failing = false;
    } catch (error) {
      // The deadline timer steps a leader down in time; say it once per outage.
      if (!this.failing) this.logger.warn({ err: error }, 'The leader lease cannot be reached');
      this.failing = true;
    }
  }

  /** The lease holds until `sentAt + ttl` at least: leader-only work must stop before then. */
  private held(sentAt: number): void {
    clearTimeout(this.deadline);
    const margin = this.timings.renewMs / 2;
    this.deadline = setTimeout(
      () => this.stepDown('the lease could not be renewed in time'),
      Math.max(0, sentAt + this.timings.ttlMs - margin - Date.now()),
    );
    this.deadline.unref();
  }

  private stepDown(why: string): void {
    clearTimeout(this.deadline);
    this.setLeader(false, why);
  }
}
