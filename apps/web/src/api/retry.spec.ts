import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from './http';
import { defaultRetryPolicy, isRetryable, retryDelayMs, withRetry } from './retry';

const error = (
  status: number,
  code: ApiError['code'] = 'comfy.unreachable',
  retryAfter: number | null = null,
) => new ApiError(status, code, 'x', undefined, retryAfter);

describe('isRetryable', () => {
  it('retries network failures, 429 and 502–504', () => {
    for (const status of [0, 429, 502, 503, 504])
      expect(isRetryable(error(status)), String(status)).toBe(true);
  });

  it('never retries client errors, nor a 503 that means the integration is off', () => {
    for (const status of [400, 401, 403, 404, 409, 422, 500])
      expect(isRetryable(error(status)), String(status)).toBe(false);
    expect(isRetryable(error(503, 'comfy.disabled'))).toBe(false);
    // The queue's caps answer 429 too, but a full queue or a spent quota does not clear in seconds.
    expect(isRetryable(error(429, 'comfy.queue_full'))).toBe(false);
    expect(isRetryable(error(429, 'comfy.quota_exceeded'))).toBe(false);
    expect(isRetryable(error(429, 'rate_limited'))).toBe(true);
    expect(isRetryable(new Error('boom'))).toBe(false);
  });
});

describe('retryDelayMs', () => {
  const policy = defaultRetryPolicy;

  it('doubles from the base and stops at the cap, jitter staying in the upper half', () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(error(503), n, policy, () => 0))).toEqual([
      250, 500, 1000, 2000, 4000, 4000,
    ]);
    expect([1, 2, 3, 4, 5, 6].map((n) => retryDelayMs(error(503), n, policy, () => 0.999999))).toEqual([
      500, 1000, 2000, 4000, 8000, 8000,
    ]);
  });

  it('uses Retry-After instead, up to a ceiling', () => {
    expect(retryDelayMs(error(429, 'rate_limited', 3), 1, policy, () => 0.5)).toBe(3000);
    expect(retryDelayMs(error(429, 'rate_limited', 3600), 1, policy)).toBe(policy.maxRetryAfterMs);
  });
});

describe('withRetry', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('tries again after each wait and resolves with the first success', async () => {
    const task = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(error(502))
      .mockRejectedValueOnce(error(504))
      .mockResolvedValue('ok');
    const onRetry = vi.fn();
    const result = withRetry(task, { random: () => 0, onRetry });
    await vi.advanceTimersByTimeAsync(249);
    expect(task).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(task).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(500);
    await expect(result).resolves.toBe('ok');
    expect(onRetry.mock.calls.map(([e]) => [e.attempt, e.delayMs])).toEqual([
      [2, 250],
      [3, 500],
    ]);
  });

  it('rejects with the last error once the attempts run out', async () => {
    const task = vi.fn(() => Promise.reject(error(503)));
    const result = withRetry(task, { random: () => 0 }).catch((e: unknown) => e);
    await vi.runAllTimersAsync();
    expect(await result).toMatchObject({ status: 503 });
    expect(task).toHaveBeenCalledTimes(defaultRetryPolicy.maxAttempts);
  });

  it('gives up at once on a 400', async () => {
    const task = vi.fn(() => Promise.reject(error(400, 'validation_failed')));
    await expect(withRetry(task)).rejects.toMatchObject({ status: 400 });
    expect(task).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('stops waiting when aborted', async () => {
    const controller = new AbortController();
    const task = vi.fn(() => Promise.reject(error(503)));
    const result = withRetry(task, { signal: controller.signal }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10);
    controller.abort(new DOMException('stop', 'AbortError'));
    expect(await result).toMatchObject({ name: 'AbortError' });
    expect(task).toHaveBeenCalledTimes(1);
  });
});
