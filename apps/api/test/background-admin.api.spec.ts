import type { BackgroundOverview, BackgroundQueueView } from '@atelier/contract';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefreshTokenEntity } from '../src/auth/refresh-token.entity.js';
import { refreshTokenCleanupQueue } from '../src/auth/refresh-token-cleanup.js';
import { BackgroundJobs } from '../src/background/background-jobs.js';
import { EmbeddedBackgroundJobs } from '../src/background/embedded-background-jobs.js';
import { waitFor } from './comfy-kit.js';
import { expectRefusal } from './hostile/hostile-kit.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

/** The admin's view of the background queues in the embedded mode: a failed job is listed and retried. */
describe('GET /api/admin/background and retry (embedded)', () => {
  let app: TestApp;
  let admin: TestSession;
  let healthy = false;
  const runs: { data: unknown; attempt: number }[] = [];

  beforeAll(async () => {
    app = await createTestApp();
    admin = await app.login('admin');
    const jobs = app.nest.get(BackgroundJobs);
    jobs.define(
      'test.export',
      async (data, job) => {
        runs.push({ data, attempt: job.attempt });
        if (!healthy) throw new Error('the share is gone');
      },
      { attempts: 2, backoff: { type: 'fixed', delayMs: 5 } },
    );
  });
  afterAll(() => app?.close());

  const overview = async () => {
    const response = await app.request.get('/api/admin/background').set(admin.bearer);
    expect(response.status).toBe(200);
    return response.body as BackgroundOverview;
  };
  const queue = (view: BackgroundOverview, name: string): BackgroundQueueView => {
    const found = view.queues.find((q) => q.name === name);
    if (!found) throw new Error(`no queue ${name} in ${JSON.stringify(view)}`);
    return found;
  };

  it('lists the queues the app defines, the trash purge and refresh-token cleanup among them', async () => {
    const view = await overview();
    expect(view.mode).toBe('embedded');
    expect(app.nest.get(BackgroundJobs)).toBeInstanceOf(EmbeddedBackgroundJobs);
    const names = view.queues.map((q) => q.name);
    expect(names).toEqual(expect.arrayContaining(['gallery.trash-purge', 'auth.refresh-token-cleanup']));
    // Both ran once at start, successfully.
    const purge = await waitFor(
      async () => queue(await overview(), 'gallery.trash-purge'),
      (q) => q.counts.waiting + q.counts.active === 0,
    );
    expect(purge.counts.failed).toBe(0);
  });

  it('lists a job that failed all its attempts, and retry runs it again', async () => {
    await app.nest.get(BackgroundJobs).add('test.export', { exportId: 12 }, { jobId: 'export-12' });
    const failing = await waitFor(
      async () => queue(await overview(), 'test.export'),
      (q) => q.counts.failed === 1,
    );
    expect(failing.failed).toEqual([
      {
        id: 'export-12',
        name: 'test.export',
        reason: 'the share is gone',
        attempts: 2,
        failedAt: expect.any(String),
      },
    ]);
    expect(runs.map((r) => r.attempt)).toEqual([1, 2]);

    healthy = true;
    const retried = await app.request
      .post('/api/admin/background/test.export/export-12/retry')
      .set(admin.bearer);
    expect(retried.status).toBe(204);
    const after = await waitFor(
      async () => queue(await overview(), 'test.export'),
      (q) => runs.length === 3 && q.counts.active === 0,
    );
    expect(after.counts.failed).toBe(0);
    expect(after.failed).toEqual([]);
    expect(runs[2]).toEqual({ data: { exportId: 12 }, attempt: 1 });

    // Gone from the failed list: a second retry finds nothing.
    const again = await app.request
      .post('/api/admin/background/test.export/export-12/retry')
      .set(admin.bearer);
    expectRefusal(again, 404, 'not_found');
  });

  it('deletes expired refresh tokens in the cleanup job, and keeps live ones', async () => {
    const tokens = app.nest.get(DataSource).getRepository(RefreshTokenEntity);
    const expired = await app.login('user', 'gone-user');
    const live = await app.login('user', 'live-user');
    const past = new Date(Date.now() - 60_000);
    await tokens.update({ userId: expired.user.id }, { expiresAt: past });
    await app.nest.get(BackgroundJobs).add(refreshTokenCleanupQueue, {});
    await waitFor(
      () => tokens.countBy({ userId: expired.user.id }),
      (n) => n === 0,
    );
    expect(await tokens.countBy({ userId: live.user.id })).toBeGreaterThan(0);
  });

  it('answers 404 for an unknown queue and 400 for a malformed one, and refuses non-admins', async () => {
    expectRefusal(
      await app.request.post('/api/admin/background/no-such-queue/1/retry').set(admin.bearer),
      404,
      'not_found',
    );
    expectRefusal(
      await app.request.post('/api/admin/background/Bad:Queue/1/retry').set(admin.bearer),
      400,
      'validation_failed',
    );
    const user = await app.login('user');
    expectRefusal(await app.request.get('/api/admin/background').set(user.bearer), 403, 'auth.forbidden');
  });
});
