import { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from './app-error.js';
import {
  assertAllowed,
  memoryLimiterStore,
  RateLimits,
  rateLimitedError,
  redisLimiterStore,
  type LimiterStoreOptions,
} from './rate-limits.js';

describe('RateLimits.fromRate (a token bucket as a fixed window with the same average)', () => {
  it.each([
    // rate/s, burst → points per window of durationS
    [30, 60, { points: 60, durationS: 2 }],
    [0.5, 3, { points: 3, durationS: 6 }],
    [1 / 10, 10, { points: 10, durationS: 100 }],
    [20, 300, { points: 300, durationS: 15 }],
    [1 / 30, 1, { points: 1, durationS: 30 }],
    // The burst fits in under a second: one second's worth at the rate, so the average still holds.
    [100, 10, { points: 100, durationS: 1 }],
    // 1.5 s rounds up to 2 s, which holds 4 at the rate.
    [2, 3, { points: 4, durationS: 2 }],
  ])('%s/s with a burst of %s → %o', (rate, burst, spec) => {
    expect(RateLimits.fromRate(rate, burst)).toEqual(spec);
  });

  it('is null (no limiter) for an unlimited rate and refuses nonsense', () => {
    expect(RateLimits.fromRate(Number.POSITIVE_INFINITY, 1)).toBeNull();
    expect(() => RateLimits.fromRate(0, 1)).toThrow(/positive/);
    expect(() => RateLimits.fromRate(1, 0)).toThrow(/positive/);
    expect(() => RateLimits.fromRate(Number.NaN, 1)).toThrow(/positive/);
  });
});

describe('RateLimits', () => {
  beforeEach(() => vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));
  afterEach(() => vi.useRealTimers());

  it('makes each name once, keyed atelier:rl:<name>, and checks the spec', () => {
    const made: LimiterStoreOptions[] = [];
    const limits = new RateLimits((options) => {
      made.push(options);
      return memoryLimiterStore(options);
    });
    limits.limiter('comfy-view', { points: 60, durationS: 2 });
    expect(made).toEqual([{ keyPrefix: 'atelier:rl:comfy-view', points: 60, duration: 2 }]);
    expect(() => limits.limiter('comfy-view', { points: 1, durationS: 1 })).toThrow(/already defined/);
    expect(() => limits.limiter('Bad Name', { points: 1, durationS: 1 })).toThrow(/a-z/);
    expect(() => limits.limiter('half', { points: 1, durationS: 0.5 })).toThrow(/durationS/);
    expect(() => limits.limiter('none', { points: 0, durationS: 1 })).toThrow(/points/);
    // Another process (or test app) has its own names.
    expect(() => new RateLimits().limiter('comfy-view', { points: 1, durationS: 1 })).not.toThrow();
  });

  it('takes up to the points per key, then refuses with the seconds until the window reopens', async () => {
    const limiter = new RateLimits().limiter('views', { points: 3, durationS: 6 });
    for (let i = 0; i < 3; i++) expect(await limiter.take('7')).toEqual({ ok: true });
    await vi.advanceTimersByTimeAsync(1500);
    expect(await limiter.take('7')).toEqual({ ok: false, retryAfterS: 5 });
    // Other keys have their own count.
    expect(await limiter.take('8')).toEqual({ ok: true });
    await vi.advanceTimersByTimeAsync(4600);
    expect(await limiter.take('7')).toEqual({ ok: true });
  });

  it('counts nothing for a refused take, so refusals never keep a key locked', async () => {
    const limiter = new RateLimits().limiter('refusals', { points: 2, durationS: 60 });
    await limiter.take('ip');
    await limiter.take('ip');
    for (let i = 0; i < 5; i++) expect((await limiter.take('ip')).ok).toBe(false);
    expect(await limiter.count('ip')).toBe(2);
    await limiter.giveBack('ip');
    expect(await limiter.take('ip')).toEqual({ ok: true });
  });

  it('gives back only what an open window holds (never below zero, nothing after expiry)', async () => {
    const limiter = new RateLimits().limiter('give-back', { points: 2, durationS: 10 });
    await limiter.take('a');
    await limiter.giveBack('a', 5);
    expect(await limiter.count('a')).toBe(0);
    await limiter.take('b');
    await vi.advanceTimersByTimeAsync(10_001);
    await limiter.giveBack('b');
    expect(await limiter.count('b')).toBe(0);
    // A negative count would have granted a third take here.
    for (const expected of [true, true, false]) expect((await limiter.take('b')).ok).toBe(expected);
  });

  it('adds without refusing, sets a count with a fresh window, blocks for whole seconds and resets', async () => {
    const limiter = new RateLimits().limiter('misc', { points: 1, durationS: 4 });
    expect(await limiter.add('k')).toBe(1);
    expect(await limiter.add('k', 2)).toBe(3);
    await vi.advanceTimersByTimeAsync(3000);
    await limiter.set('k', 3);
    await vi.advanceTimersByTimeAsync(3000);
    expect(await limiter.count('k')).toBe(3);
    await vi.advanceTimersByTimeAsync(1001);
    expect(await limiter.count('k')).toBe(0);

    expect(await limiter.blockedMs('k')).toBe(0);
    await limiter.block('k', 1.2);
    expect(await limiter.blockedMs('k')).toBe(2000);
    expect(await limiter.take('k')).toEqual({ ok: false, retryAfterS: 2 });
    await limiter.reset('k');
    expect(await limiter.blockedMs('k')).toBe(0);
    expect(await limiter.take('k')).toEqual({ ok: true });
  });
});

describe('the 429 every limit answers', () => {
  it('says rate_limited with the wait in the message, the body and Retry-After', () => {
    const error = rateLimitedError('Too many image requests', 3);
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      code: 'rate_limited',
      message: 'Too many image requests; try again in 3 s',
      details: { retry_after_s: 3 },
      headers: { 'Retry-After': '3' },
    });
    expect(() => assertAllowed({ ok: true }, 'x')).not.toThrow();
    expect(() => assertAllowed({ ok: false, retryAfterS: 1 }, 'x')).toThrow(AppError);
  });
});

describe('redisLimiterStore (the scale-out swap)', () => {
  it('makes RateLimiterRedis limiters under atelier:rl:<name>, insured by memory while Redis is away', () => {
    // lazyConnect: nothing connects until a command is sent, and none is.
    const client = new Redis({ lazyConnect: true });
    try {
      const store = redisLimiterStore(client)({ keyPrefix: 'atelier:rl:login-ip', points: 5, duration: 60 });
      expect(store).toBeInstanceOf(RateLimiterRedis);
      expect(store.getKey('203.0.113.9')).toBe('atelier:rl:login-ip:203.0.113.9');
      expect(store.points).toBe(5);
      expect(store.duration).toBe(60);
      // Set by the library (its typings do not declare the getter).
      expect((store as unknown as { insuranceLimiter: unknown }).insuranceLimiter).toBeInstanceOf(
        RateLimiterMemory,
      );
    } finally {
      client.disconnect();
    }
  });
});
