import type { BackgroundOverview } from '@atelier/contract';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackgroundJobs } from '../../src/background/background-jobs.js';
import { BullmqBackgroundJobs } from '../../src/background/bullmq-background-jobs.js';
import { waitFor } from '../comfy-kit.js';
import { createTestApp, type TestApp } from '../test-app.js';
import { redisClient, testRedisUrl } from './redis-kit.js';

/**
 * Two replicas (two apps on one SQLite file) on one real Redis with BullMQ queues: a job added on one
 * runs in the other's worker, a failing job ends in the shared failed list, and an admin's retry on
 * either replica runs it again. Redis database 14 is this spec's (flushed first).
 */
const redisUrl = testRedisUrl(14);

interface Run {
  replica: string;
  jobId: string;
  attempt: number;
}

describe('background jobs on BullMQ, two replicas', () => {
  let a: TestApp;
  let b: TestApp;
  let redis: Redis;
  const runs: Run[] = [];
  const held: (() => void)[] = [];
  let healthy = false;

  /** Both replicas define the same queues, as every replica of one build does. */
  const defineQueues = (app: TestApp, replica: string) => {
    const jobs = app.nest.get(BackgroundJobs);
    jobs.define('test.hold', (_data, job) => {
      runs.push({ replica, jobId: job.id, attempt: job.attempt });
      // Held until the test ends: this replica's only slot (concurrency 1) stays busy.
      return new Promise<void>((resolve) => held.push(resolve));
    });
    jobs.define(
      'test.broken',
      async (_data, job) => {
        runs.push({ replica, jobId: job.id, attempt: job.attempt });
        if (!healthy) throw new Error('the archive is locked');
      },
      { attempts: 2, backoff: { type: 'fixed', delayMs: 10 } },
    );
    jobs.define('test.repeat', async (_data, job) => {
      runs.push({ replica, jobId: job.id, attempt: job.attempt });
      if (!healthy) throw new Error('the repeat is broken');
    });
  };

  beforeAll(async () => {
    redis = redisClient(redisUrl);
    await redis.flushdb();
    a = await createTestApp({ env: { ATELIER_REDIS_URL: redisUrl, ATELIER_REPLICA_ID: 'jobs-a' } });
    b = await createTestApp({
      env: { ATELIER_REDIS_URL: redisUrl, ATELIER_REPLICA_ID: 'jobs-b' },
      rootDir: a.rootDir,
    });
    defineQueues(a, 'jobs-a');
    defineQueues(b, 'jobs-b');
  });
  afterAll(async () => {
    for (const release of held) release();
    // B first: A owns the folder and deletes it.
    await b?.close();
    await a?.close();
    await redis?.quit();
  });

  // One SQLite file: each app creates its own admin (its user cache is its own).
  const adminOf = (app: TestApp) => app.login('admin', app === a ? 'admin-a' : 'admin-b');
  const overviewOn = async (app: TestApp) => {
    const admin = await adminOf(app);
    const response = await app.request.get('/api/admin/background').set(admin.bearer);
    expect(response.status).toBe(200);
    return response.body as BackgroundOverview;
  };

  it('runs a job added on A in the worker of B when A is busy', async () => {
    const jobsA = a.nest.get(BackgroundJobs);
    expect(jobsA).toBeInstanceOf(BullmqBackgroundJobs);
    await jobsA.add('test.hold', {}, { jobId: 'hold-1' });
    await waitFor(
      () => runs.length,
      (n) => n === 1,
    );
    // Whichever replica holds hold-1 has no free slot: hold-2, added on A too, can only run on the other.
    await jobsA.add('test.hold', {}, { jobId: 'hold-2' });
    await waitFor(
      () => runs.length,
      (n) => n === 2,
    );
    expect(new Set(runs.map((run) => run.replica))).toEqual(new Set(['jobs-a', 'jobs-b']));
    expect(runs.map((run) => run.jobId).sort()).toEqual(['hold-1', 'hold-2']);
  });

  it('lists a job that failed its attempts on both replicas, and a retry from B runs it', async () => {
    // Both replicas' slots for test.hold are busy; test.broken has its own workers.
    runs.length = 0;
    await a.nest.get(BackgroundJobs).add('test.broken', { archive: 3 }, { jobId: 'archive-3' });
    const failedOnA = await waitFor(
      () => overviewOn(a),
      (view) => view.queues.some((q) => q.name === 'test.broken' && q.counts.failed === 1),
    );
    expect(failedOnA.mode).toBe('redis');
    const queueOnA = failedOnA.queues.find((q) => q.name === 'test.broken');
    expect(queueOnA?.failed).toEqual([
      {
        id: 'archive-3',
        name: 'test.broken',
        reason: 'the archive is locked',
        attempts: 2,
        failedAt: expect.any(String),
      },
    ]);
    expect(runs.map((run) => run.attempt)).toEqual([1, 2]);
    // The dead-letter list is Redis's, the same on B.
    const queueOnB = (await overviewOn(b)).queues.find((q) => q.name === 'test.broken');
    expect(queueOnB?.failed.map((job) => job.id)).toEqual(['archive-3']);
    // Both replicas' repeatables are defined once, as schedulers, with nothing failed.
    expect(queueOnB && (await overviewOn(b)).queues.map((q) => q.name)).toEqual(
      expect.arrayContaining(['gallery.trash-purge', 'auth.refresh-token-cleanup']),
    );
    expect(await redis.zcard('atelier:gallery.trash-purge:repeat')).toBe(1);

    healthy = true;
    const admin = await adminOf(b);
    const retried = await b.request
      .post('/api/admin/background/test.broken/archive-3/retry')
      .set(admin.bearer);
    expect(retried.status).toBe(204);
    const after = await waitFor(
      () => overviewOn(a),
      (view) =>
        view.queues.some((q) => q.name === 'test.broken' && q.counts.failed === 0) && runs.length === 3,
    );
    expect(after.queues.find((q) => q.name === 'test.broken')?.failed).toEqual([]);
    expect(runs[2]).toMatchObject({ jobId: 'archive-3', attempt: 1 });

    const again = await b.request.post('/api/admin/background/test.broken/archive-3/retry').set(admin.bearer);
    expect(again.status).toBe(404);
  });

  it('runs a repeatable soon after every() on either replica, and a failed run is retried by its id', async () => {
    healthy = false;
    runs.length = 0;
    await a.nest.get(BackgroundJobs).every('test.repeat', 3_600_000);
    await b.nest.get(BackgroundJobs).every('test.repeat', 3_600_000);
    const view = await waitFor(
      () => overviewOn(b),
      (v) => v.queues.some((q) => q.name === 'test.repeat' && q.counts.failed === 1),
    );
    // One scheduler for both replicas: one run in the hour, not one per replica.
    expect(runs.filter((run) => run.jobId !== 'archive-3')).toHaveLength(1);
    const [failed] = view.queues.find((q) => q.name === 'test.repeat')!.failed;
    expect(failed?.reason).toBe('the repeat is broken');
    // BullMQ's id for a scheduled run holds `:` (repeat:<scheduler>:<time>): the route takes it.
    expect(failed?.id).toContain(':');

    healthy = true;
    const admin = await adminOf(a);
    const retried = await a.request
      .post(`/api/admin/background/test.repeat/${encodeURIComponent(failed!.id)}/retry`)
      .set(admin.bearer);
    expect(retried.status).toBe(204);
    await waitFor(
      () => overviewOn(a),
      (v) => v.queues.some((q) => q.name === 'test.repeat' && q.counts.failed === 0) && runs.length === 2,
    );
    expect(runs[1]).toMatchObject({ jobId: failed!.id, attempt: 1 });
  });
});
