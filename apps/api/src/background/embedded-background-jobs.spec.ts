import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelay, UnrecoverableJobError } from './background-jobs.js';
import { EmbeddedBackgroundJobs } from './embedded-background-jobs.js';

describe('EmbeddedBackgroundJobs', () => {
  let jobs: EmbeddedBackgroundJobs;
  beforeEach(() => {
    vi.useFakeTimers();
    jobs = new EmbeddedBackgroundJobs();
  });
  afterEach(async () => {
    await jobs.close();
    vi.useRealTimers();
  });

  it('runs an added job with its data after add() returns', async () => {
    const seen: unknown[] = [];
    jobs.define<{ n: number }>('test.run', async (data, job) => {
      seen.push({ data, attempt: job.attempt });
    });
    const id = await jobs.add('test.run', { n: 7 });
    expect(seen).toEqual([]);
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual([{ data: { n: 7 }, attempt: 1 }]);
    expect(id).toMatch(/\S/);
  });

  it('retries with exponential backoff, then succeeds without a failed entry', async () => {
    const attempts: number[] = [];
    jobs.define(
      'test.flaky',
      async (_data, job) => {
        attempts.push(job.attempt);
        if (job.attempt < 3) throw new Error(`try ${job.attempt}`);
      },
      { attempts: 3, backoff: { type: 'exponential', delayMs: 100 } },
    );
    await jobs.add('test.flaky', {});
    await vi.advanceTimersByTimeAsync(0);
    expect(attempts).toEqual([1]);
    expect((await jobs.overview())[0]?.counts.delayed).toBe(1);
    await vi.advanceTimersByTimeAsync(99);
    expect(attempts).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toEqual([1, 2]);
    // The second wait doubles.
    await vi.advanceTimersByTimeAsync(199);
    expect(attempts).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toEqual([1, 2, 3]);
    expect(await jobs.failed('test.flaky')).toEqual([]);
  });

  it('lists a job that used up its attempts with its reason, and retry runs it with fresh attempts', async () => {
    let healthy = false;
    const attempts: number[] = [];
    jobs.define(
      'test.broken',
      async (_data: { file: string }, job) => {
        attempts.push(job.attempt);
        if (!healthy) throw new Error('disk full');
      },
      { attempts: 2, backoff: { type: 'fixed', delayMs: 50 } },
    );
    const id = await jobs.add('test.broken', { file: 'a.png' }, { jobId: 'sheet-1' });
    await vi.advanceTimersByTimeAsync(50);
    expect(attempts).toEqual([1, 2]);
    const [failed] = await jobs.failed('test.broken');
    expect(failed).toMatchObject({ id: 'sheet-1', name: 'test.broken', reason: 'disk full', attempts: 2 });
    expect(id).toBe('sheet-1');
    expect(Number.isNaN(Date.parse(failed!.failedAt))).toBe(false);
    expect((await jobs.overview())[0]?.counts).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 1 });

    expect(await jobs.retry('test.broken', 'no-such-job')).toBe(false);
    healthy = true;
    expect(await jobs.retry('test.broken', 'sheet-1')).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(attempts).toEqual([1, 2, 1]);
    expect(await jobs.failed('test.broken')).toEqual([]);
    // Already retried: nothing left to retry.
    expect(await jobs.retry('test.broken', 'sheet-1')).toBe(false);
  });

  it('does not add a job id that is still pending, and runs one job at a time by default', async () => {
    const release: (() => void)[] = [];
    const started: string[] = [];
    jobs.define('test.slow', (_data, job) => {
      started.push(job.id);
      return new Promise<void>((resolve) => release.push(resolve));
    });
    await jobs.add('test.slow', {}, { jobId: 'x' });
    await jobs.add('test.slow', {}, { jobId: 'x' });
    await jobs.add('test.slow', {}, { jobId: 'y' });
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual(['x']);
    expect((await jobs.overview())[0]?.counts).toMatchObject({ active: 1, waiting: 1 });
    release.shift()!();
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual(['x', 'y']);
    release.shift()!();
  });

  it('runs a repeatable job at once and then every interval, and stops at close', async () => {
    let runs = 0;
    jobs.define('test.tick', async () => {
      runs += 1;
    });
    await jobs.every('test.tick', 1000);
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toBe(1);
    // The tick at 2000 queues its run for the next turn.
    await vi.advanceTimersByTimeAsync(2001);
    expect(runs).toBe(3);
    await jobs.close();
    await vi.advanceTimersByTimeAsync(5000);
    expect(runs).toBe(3);
  });

  it('waits the listed delay after each try, and fails at once on an UnrecoverableJobError', async () => {
    const tries: number[] = [];
    jobs.define(
      'test.listed',
      async (data: { giveUpAt: number }, job) => {
        tries.push(job.attempt);
        if (job.attempt === data.giveUpAt) throw new UnrecoverableJobError('no point trying again');
        throw new Error(`try ${job.attempt}`);
      },
      { attempts: 4, backoff: { type: 'listed', delaysMs: [10, 100, 1000] } },
    );
    await jobs.add('test.listed', { giveUpAt: 3 }, { jobId: 'hook-1' });
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(9);
    expect(tries).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1);
    expect(tries).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(99);
    expect(tries).toEqual([1, 2]);
    await vi.advanceTimersByTimeAsync(1);
    // The third try gives up with a fourth attempt left.
    expect(tries).toEqual([1, 2, 3]);
    await vi.advanceTimersByTimeAsync(5000);
    expect(tries).toEqual([1, 2, 3]);
    expect(await jobs.failed('test.listed')).toMatchObject([
      { id: 'hook-1', reason: 'no point trying again', attempts: 3 },
    ]);
  });

  it('refuses a queue name BullMQ would refuse and a second definition', () => {
    expect(() => jobs.define('bad:name', async () => undefined)).toThrow(/queue name/);
    jobs.define('test.once', async () => undefined);
    expect(() => jobs.define('test.once', async () => undefined)).toThrow(/twice/);
  });
});

describe('backoffDelay', () => {
  it('keeps a fixed delay and doubles an exponential one', () => {
    expect(backoffDelay({ type: 'fixed', delayMs: 30 }, 3)).toBe(30);
    expect(backoffDelay({ type: 'exponential', delayMs: 30 }, 1)).toBe(30);
    expect(backoffDelay({ type: 'exponential', delayMs: 30 }, 3)).toBe(120);
    expect(backoffDelay(undefined, 2)).toBe(0);
  });

  it('takes the nth listed delay after try n, and the last one beyond the list', () => {
    const listed = { type: 'listed', delaysMs: [5, 60, 300] } as const;
    expect([1, 2, 3, 4].map((attempt) => backoffDelay(listed, attempt))).toEqual([5, 60, 300, 300]);
  });
});
