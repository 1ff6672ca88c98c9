import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/index.js';
import { sleep } from '../src/backoff.js';

describe('backoffDelay', () => {
  const options = { baseDelayMs: 100, maxDelayMs: 1_000 };

  it('doubles per attempt within the jitter band [ceiling/2, ceiling]', () => {
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, options, () => 0))).toEqual([50, 100, 200, 400]);
    expect([1, 2, 3, 4].map((a) => backoffDelay(a, options, () => 1))).toEqual([100, 200, 400, 800]);
  });

  it('never exceeds the cap, however many attempts', () => {
    expect(backoffDelay(5, options, () => 1)).toBe(1_000);
    expect(backoffDelay(60, options, () => 1)).toBe(1_000);
    expect(backoffDelay(60, options, () => 0)).toBe(500);
  });

  it('spreads clients apart: random jitter gives different delays', () => {
    const delays = new Set(Array.from({ length: 20 }, () => backoffDelay(3, options)));
    expect(delays.size).toBeGreaterThan(1);
    for (const delay of delays) expect(delay).toBeGreaterThanOrEqual(200);
  });

  it('sleep stops early when aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const slept = sleep(5_000, controller.signal);
    controller.abort(new Error('stop'));
    await expect(slept).rejects.toThrow('stop');
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
