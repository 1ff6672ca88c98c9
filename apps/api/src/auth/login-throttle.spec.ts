import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../common/app-error.js';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { memoryLimiterStore, RateLimits, type LimiterStore } from '../common/rate-limits.js';
import type { AppConfig } from '../config/app-config.js';
import { LoginThrottle } from './login-throttle.js';

const throttle = (auth: Partial<AppConfig['auth']>, limits = new RateLimits()) =>
  new LoginThrottle(
    {
      auth: {
        loginMaxFailures: 5,
        loginWindowS: 60,
        loginAccountMaxFailures: 5,
        loginAccountMaxDelayS: 900,
        ...auth,
      },
    } as AppConfig,
    limits,
  );

/** A password check that answers when told to. */
function gated(): { check: () => Promise<boolean>; answer: (ok: boolean) => void } {
  let answer: (ok: boolean) => void = () => undefined;
  const result = new Promise<boolean>((resolve) => (answer = resolve));
  return { check: () => result, answer };
}

/** The AppError a refused (or failed) attempt threw, or null if it went through. */
const refusal = (promise: Promise<unknown>): Promise<Pick<AppError, 'code' | 'headers'> | null> =>
  promise.then(
    () => null,
    (error: unknown) => {
      if (!(error instanceof AppError)) throw error;
      return { code: error.code, headers: error.headers };
    },
  );

describe('LoginThrottle on rate limiters', () => {
  beforeEach(() => vi.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') }));
  afterEach(() => vi.useRealTimers());

  it('does not count attempts refused while the address is full of attempts in flight, and tells them to retry shortly', async () => {
    const limits = throttle({ loginMaxFailures: 3 });
    const inFlight = [gated(), gated(), gated()];
    const admitted = inFlight.map((attempt, i) => limits.verify('192.0.2.1', `user-${i}`, attempt.check));
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 0; i < 4; i++) {
      expect(await refusal(limits.verify('192.0.2.1', 'someone', () => Promise.resolve(true)))).toEqual({
        code: 'rate_limited',
        headers: { 'Retry-After': '1' },
      });
    }
    for (const attempt of inFlight) attempt.answer(true);
    expect(await Promise.all(admitted)).toEqual([true, true, true]);
    // Three successes and four refusals: no failure counted, the full budget of three is back.
    for (let i = 0; i < 2; i++)
      expect(await limits.verify('192.0.2.1', 'x', () => Promise.resolve(false))).toBe(false);
    const last = gated();
    const lastAttempt = limits.verify('192.0.2.1', 'y', last.check);
    await vi.advanceTimersByTimeAsync(10_000);
    // Two failures and one attempt in flight: shortly.
    expect((await refusal(limits.verify('192.0.2.1', 'z', () => Promise.resolve(true))))?.headers).toEqual({
      'Retry-After': '1',
    });
    last.answer(false);
    expect(await lastAttempt).toBe(false);
    // Three failures: until the window opened by the first attempt ends.
    expect((await refusal(limits.verify('192.0.2.1', 'z', () => Promise.resolve(true))))?.headers).toEqual({
      'Retry-After': '50',
    });
  });

  it('counts an abandoned attempt (the hasher was busy) neither way', async () => {
    const limits = throttle({ loginMaxFailures: 1, loginAccountMaxFailures: 1 });
    const busy = () => Promise.reject(new AppError('auth.busy', 'busy'));
    expect((await refusal(limits.verify('192.0.2.2', 'admin', busy)))?.code).toBe('auth.busy');
    expect(await limits.verify('192.0.2.2', 'admin', () => Promise.resolve(false))).toBe(false);
    expect((await refusal(limits.verify('192.0.2.2', 'admin', () => Promise.resolve(true))))?.code).toBe(
      'rate_limited',
    );
  });

  it('past the free failures admits one attempt per account at a time, after the delay', async () => {
    const limits = throttle({ loginMaxFailures: 100, loginAccountMaxFailures: 1, loginAccountMaxDelayS: 60 });
    expect(await limits.verify('192.0.2.3', 'Admin', () => Promise.resolve(false))).toBe(false);
    // The account (whatever the case) waits 1 s, from any address.
    expect(await refusal(limits.verify('192.0.2.4', 'admin', () => Promise.resolve(true)))).toMatchObject({
      code: 'rate_limited',
      headers: { 'Retry-After': '1' },
    });
    await vi.advanceTimersByTimeAsync(1000);
    const first = gated();
    const running = limits.verify('192.0.2.5', 'admin', first.check);
    await vi.advanceTimersByTimeAsync(0);
    // One is in flight: the next waits for it.
    expect(await refusal(limits.verify('192.0.2.6', 'admin', () => Promise.resolve(true)))).toMatchObject({
      code: 'rate_limited',
      headers: { 'Retry-After': '1' },
    });
    first.answer(false);
    expect(await running).toBe(false);
    // Its failure doubled the wait.
    expect(await refusal(limits.verify('192.0.2.6', 'admin', () => Promise.resolve(true)))).toMatchObject({
      headers: { 'Retry-After': '2' },
    });
    await vi.advanceTimersByTimeAsync(2000);
    expect(await limits.verify('192.0.2.6', 'admin', () => Promise.resolve(true))).toBe(true);
    // A success starts afresh: one free failure again.
    expect(await limits.verify('192.0.2.6', 'admin', () => Promise.resolve(false))).toBe(false);
  });

  it('keeps no state of its own: two replicas on one store share both limits', async () => {
    // One limiter per name for both, as Redis would be (keys atelier:rl:<name>:<key>).
    const shared = new Map<string, RateLimiterAbstract>();
    const store: LimiterStore = (options) => {
      const limiter = shared.get(options.keyPrefix) ?? memoryLimiterStore(options);
      shared.set(options.keyPrefix, limiter);
      return limiter;
    };
    const auth = { loginMaxFailures: 4, loginAccountMaxFailures: 1 };
    const [a, b] = [throttle(auth, new RateLimits(store)), throttle(auth, new RateLimits(store))];
    const wrong = () => Promise.resolve(false);
    expect(await a.verify('192.0.2.7', 'admin', wrong)).toBe(false);
    // The account's delay set on A holds on B.
    expect(await refusal(b.verify('192.0.2.8', 'admin', () => Promise.resolve(true)))).toMatchObject({
      headers: { 'Retry-After': '1' },
    });
    // Failures from one address split across A and B meet one limit.
    for (const [replica, user] of [
      [b, 'u1'],
      [a, 'u2'],
      [b, 'u3'],
    ] as const)
      expect(await replica.verify('192.0.2.7', user, wrong)).toBe(false);
    for (const replica of [a, b])
      expect(await refusal(replica.verify('192.0.2.7', 'u4', () => Promise.resolve(true)))).toMatchObject({
        code: 'rate_limited',
        headers: { 'Retry-After': '60' },
      });
  });
});
