import { Global, Inject, Injectable, Module, Optional } from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { AppError } from './app-error.js';

/** At most `points` per key in a window of `durationS` whole seconds, opened by the key's first use. */
export interface LimiterSpec {
  readonly points: number;
  readonly durationS: number;
}

/** What a store needs to make one limiter (rate-limiter-flexible's own option names). */
export interface LimiterStoreOptions {
  readonly keyPrefix: string;
  readonly points: number;
  readonly duration: number;
}

/**
 * Makes the rate-limiter-flexible limiter behind a named limit. Memory in one process (the default); in
 * scale-out mode the Redis module provides `RATE_LIMIT_STORE = redisLimiterStore(client)` so every
 * replica counts against the same keys.
 */
export type LimiterStore = (options: LimiterStoreOptions) => RateLimiterAbstract;

/** Injection token of the store; absent → memory. */
export const RATE_LIMIT_STORE = Symbol('RATE_LIMIT_STORE');

export const memoryLimiterStore: LimiterStore = (options) => new RateLimiterMemory({ ...options });

/**
 * Shared counts in Redis (atomic Lua per operation). While Redis is unreachable each replica falls back
 * to its own memory limiter, so limits still hold per replica instead of failing every request.
 */
export function redisLimiterStore(client: Redis): LimiterStore {
  return (options) =>
    new RateLimiterRedis({
      ...options,
      storeClient: client,
      insuranceLimiter: new RateLimiterMemory({ ...options }),
    });
}

export type Verdict = { ok: true } | { ok: false; retryAfterS: number };

/** One named limit: counts per key, with the few operations the throttles need. */
export class Limiter {
  constructor(
    readonly name: string,
    readonly spec: LimiterSpec,
    private readonly store: RateLimiterAbstract,
  ) {}

  /** Takes `points`, or says in how many seconds the window reopens. A refused take counts nothing. */
  async take(key: string, points = 1): Promise<Verdict> {
    try {
      await this.store.consume(key, points);
      return { ok: true };
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      // The store counted the refused points too: give them back, so refusals never extend a lockout.
      await this.store.reward(key, points);
      return { ok: false, retryAfterS: retryAfterS(error.msBeforeNext) };
    }
  }

  /** Counts `points` without refusing; returns the key's count in its window afterwards. */
  async add(key: string, points = 1): Promise<number> {
    return (await this.store.penalty(key, points)).consumedPoints;
  }

  /**
   * Gives back points taken earlier (an attempt that turned out not to count). Only while the window
   * that took them is open: after it expired there is nothing to give back, and a negative count would
   * grant extra points in the next window.
   */
  async giveBack(key: string, points = 1): Promise<void> {
    const current = await this.store.get(key);
    if (current && current.msBeforeNext > 0 && current.consumedPoints > 0)
      await this.store.reward(key, Math.min(points, current.consumedPoints));
  }

  /** The key's count in its open window (0 when none is open). */
  async count(key: string): Promise<number> {
    const current = await this.store.get(key);
    // Every limiter here has a window, so a record without time left is an expired one not yet swept.
    return current && current.msBeforeNext > 0 ? current.consumedPoints : 0;
  }

  /** Sets the key's count and restarts its window (`durationS`, default the spec's). */
  async set(key: string, points: number, durationS = this.spec.durationS): Promise<void> {
    await this.store.set(key, points, durationS);
  }

  /** Refuses every take of `key` for `seconds` (whole seconds: Redis expiries are). */
  async block(key: string, seconds: number): Promise<void> {
    await this.store.block(key, Math.max(1, Math.ceil(seconds)));
  }

  /** Milliseconds before `key` may take again (0: it may now). */
  async blockedMs(key: string): Promise<number> {
    const current = await this.store.get(key);
    if (!current || current.consumedPoints <= this.spec.points) return 0;
    return Math.max(0, current.msBeforeNext);
  }

  /** Forgets the key. */
  async reset(key: string): Promise<void> {
    await this.store.delete(key);
  }
}

/**
 * The named limiters of this process, all from one store (`atelier:rl:<name>:<key>` in Redis). Each name
 * is made once: two limiters under one name would count into each other's keys.
 */
@Injectable()
export class RateLimits {
  private readonly names = new Set<string>();
  private readonly store: LimiterStore;

  constructor(@Optional() @Inject(RATE_LIMIT_STORE) store?: LimiterStore) {
    this.store = store ?? memoryLimiterStore;
  }

  limiter(name: string, spec: LimiterSpec): Limiter {
    if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`Rate limit name "${name}": use a-z, 0-9 and -`);
    if (this.names.has(name)) throw new Error(`Rate limit "${name}" is already defined`);
    if (!(Number.isInteger(spec.points) && spec.points >= 1))
      throw new Error(`Rate limit "${name}": points must be a positive integer`);
    if (!(Number.isInteger(spec.durationS) && spec.durationS >= 1))
      throw new Error(`Rate limit "${name}": durationS must be a positive integer`);
    this.names.add(name);
    const store = this.store({
      keyPrefix: `atelier:rl:${name}`,
      points: spec.points,
      duration: spec.durationS,
    });
    return new Limiter(name, spec, store);
  }

  /**
   * A token bucket (`ratePerS` a second, up to `burst` at once) as a fixed window with the same average:
   * the shortest whole-second window that holds the burst, and `ratePerS × window` points in it (never
   * fewer than `burst`). `null` when the rate is unlimited.
   */
  static fromRate(ratePerS: number, burst: number): LimiterSpec | null {
    if (ratePerS === Number.POSITIVE_INFINITY) return null;
    if (!(ratePerS > 0) || !(burst >= 1)) throw new Error('A rate limit needs a positive rate and burst');
    const durationS = Math.max(1, Math.ceil(burst / ratePerS - 1e-9));
    const points = Math.max(Math.ceil(burst), Math.floor(ratePerS * durationS + 1e-9));
    return { points, durationS };
  }
}

/** Global: one set of names (and, in scale-out mode, one Redis store) for every feature. */
@Global()
@Module({ providers: [RateLimits], exports: [RateLimits] })
export class RateLimitsModule {}

/** Whole seconds for Retry-After, at least 1. */
export function retryAfterS(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/** The 429 every limit answers: `rate_limited`, the wait in the message, the body and Retry-After. */
export function rateLimitedError(reason: string, retryAfter: number): AppError {
  return new AppError(
    'rate_limited',
    `${reason}; try again in ${retryAfter} s`,
    { retry_after_s: retryAfter },
    { 'Retry-After': String(retryAfter) },
  );
}

/** Throws the 429 for a refused verdict. */
export function assertAllowed(verdict: Verdict, reason: string): void {
  if (!verdict.ok) throw rateLimitedError(reason, verdict.retryAfterS);
}
