import type { ErrorBody, MyUsageResponse, UsageResponse } from '@atelier/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { JobEndEvent } from '../src/events/app-events.js';
import { EventBus } from '../src/events/event-bus.js';
import { UsageRepository } from '../src/usage/usage.repository.js';
import { UsageService } from '../src/usage/usage.service.js';
import { addDays, utcDay } from '../src/usage/utc-day.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

// Issue 13, accounting: what the job end events say each job cost, summed per UTC day, user, role and
// backend; the admin report (JSON and CSV) and every user's own usage against their quota.

let app: TestApp;
let admin: TestSession;
let ada: TestSession;
let bob: TestSession;

beforeEach(async () => {
  app = await createTestApp();
  admin = await app.login('admin');
  ada = await app.login('user', 'ada');
  bob = await app.login('curator', 'bob');
});
afterEach(() => app.close());

/** Ends a job on the bus as the tracker does, then waits for the usage write. */
async function ended(
  owner: TestSession,
  gpuSeconds: number | null,
  over: Partial<JobEndEvent> = {},
  event: 'job.succeeded' | 'job.failed' | 'job.interrupted' | 'job.lost' = 'job.succeeded',
) {
  await app.nest.get(EventBus).publish(event, {
    promptId: `p-${Math.random()}`,
    ownerId: owner.user.id,
    job: { status: 'succeeded', queuePosition: null, progress: null, images: [], error: null },
    backendId: 1,
    ownerRole: owner.user.role,
    gpuSeconds,
    ...over,
  });
  await app.nest.get(UsageService).settled();
}

function report(query: Record<string, string>) {
  return app.request.get('/api/admin/usage').query(query).set(admin.bearer);
}

describe('GPU usage from job end events', () => {
  it('sums jobs and GPU-seconds per user, backend and day; jobs that never reached a backend count nothing', async () => {
    await ended(ada, 2.5);
    await ended(ada, 1.25, { backendId: 2 }, 'job.failed');
    await ended(bob, 4, {}, 'job.interrupted');
    await ended(bob, 0, {}, 'job.lost');
    await ended(ada, null, { backendId: null }, 'job.interrupted'); // cancelled while waiting
    const today = utcDay();

    const byUser = (await report({ group_by: 'user' }).expect(200)).body as UsageResponse;
    expect(byUser.to).toBe(today);
    expect(byUser.from).toBe(addDays(today, -29));
    expect(byUser.days).toHaveLength(30);
    expect(byUser.rows).toEqual([
      {
        key: String(bob.user.id),
        label: 'bob',
        jobs: 2,
        gpu_seconds: 4,
        days: [{ day: today, jobs: 2, gpu_seconds: 4 }],
      },
      {
        key: String(ada.user.id),
        label: 'ada',
        jobs: 2,
        gpu_seconds: 3.75,
        days: [{ day: today, jobs: 2, gpu_seconds: 3.75 }],
      },
    ]);
    expect(byUser.totals).toEqual({
      jobs: 4,
      gpu_seconds: 7.75,
      days: [{ day: today, jobs: 4, gpu_seconds: 7.75 }],
    });

    const byBackend = (await report({ group_by: 'backend' }).expect(200)).body as UsageResponse;
    expect(byBackend.rows.map((row) => [row.key, row.jobs, row.gpu_seconds])).toEqual([
      ['1', 3, 6.5],
      ['2', 1, 1.25],
    ]);
    const byDay = (await report({ group_by: 'day', from: today, to: today }).expect(200))
      .body as UsageResponse;
    expect(byDay.rows).toEqual([
      { key: today, label: today, jobs: 4, gpu_seconds: 7.75, days: [expect.any(Object)] },
    ]);
  });

  it('reports a range of days for the per-user chart, days without usage left out of each series', async () => {
    const usage = app.nest.get(UsageRepository);
    const today = utcDay();
    const twoDaysAgo = addDays(today, -2);
    await usage.add({
      day: twoDaysAgo,
      userId: ada.user.id,
      role: 'user',
      backendId: 1,
      jobs: 3,
      gpuSeconds: 9,
    });
    await usage.add({
      day: twoDaysAgo,
      userId: ada.user.id,
      role: 'user',
      backendId: 1,
      jobs: 1,
      gpuSeconds: 1,
    });
    await usage.add({
      day: addDays(today, -40),
      userId: ada.user.id,
      role: 'user',
      backendId: 1,
      jobs: 1,
      gpuSeconds: 99,
    });
    await ended(ada, 5);

    const body = (await report({ from: addDays(today, -6), to: today }).expect(200)).body as UsageResponse;
    expect(body.days).toHaveLength(7);
    expect(body.rows).toHaveLength(1);
    expect(body.rows[0]).toMatchObject({ label: 'ada', jobs: 5, gpu_seconds: 15 });
    expect(body.rows[0]?.days).toEqual([
      { day: twoDaysAgo, jobs: 4, gpu_seconds: 10 },
      { day: today, jobs: 1, gpu_seconds: 5 },
    ]);
  });

  it('exports the range as CSV, one line per day, user, role and backend', async () => {
    await ended(ada, 2.5);
    await ended(bob, 1, { backendId: 3 });
    const response = await report({ format: 'csv' }).expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    expect(response.headers['content-disposition']).toMatch(
      /^attachment; filename="atelier-usage-[\d-]+\.csv"$/,
    );
    const lines = response.text.trim().split('\r\n');
    expect(lines[0]).toBe('day,user_id,username,role,backend_id,backend,jobs,gpu_seconds');
    expect(lines.slice(1).sort()).toEqual(
      [
        // The default backend has its name even with ComfyUI off; an id the pool does not know is named by it.
        `${utcDay()},${ada.user.id},ada,user,1,default,1,2.5`,
        `${utcDay()},${bob.user.id},bob,curator,3,backend 3,1,1`,
      ].sort(),
    );
  });

  it.each([
    ['from after to', { from: '2026-12-05', to: '2026-12-01' }],
    ['a day that does not exist', { from: '2026-02-30' }],
    ['a day spelt otherwise', { to: '5.12.2026' }],
    ['more than 366 days', { from: '2024-01-01', to: '2026-01-01' }],
    ['an unknown grouping', { group_by: 'role' }],
    ['an unknown format', { format: 'xlsx' }],
    ['an unknown parameter', { user: '1' }],
  ])('refuses %s with 400 validation_failed', async (_name, query) => {
    const response = await report(query);
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect((response.body as ErrorBody).code).toBe('validation_failed');
  });

  it('is for admins only; every user reads their own usage', async () => {
    for (const session of [ada, bob]) {
      const response = await app.request.get('/api/admin/usage').set(session.bearer);
      expect(response.status).toBe(403);
      expect((response.body as ErrorBody).code).toBe('auth.forbidden');
    }
    expect((await app.request.get('/api/me/usage')).status).toBe(401);
  });
});

describe('GET /api/me/usage', () => {
  it("shows today's GPU-seconds against the role's quota, the last 30 days and the role's limits", async () => {
    await app.request
      .put('/api/admin/limits/user')
      .set(admin.bearer)
      .send({ gpu_seconds_per_day: 10, max_steps: 40 })
      .expect(200);
    await ended(ada, 4);
    await ended(bob, 100);
    const yesterday = addDays(utcDay(), -1);
    await app.nest
      .get(UsageRepository)
      .add({ day: yesterday, userId: ada.user.id, role: 'user', backendId: 1, jobs: 2, gpuSeconds: 7 });

    const mine = (await app.request.get('/api/me/usage').set(ada.bearer).expect(200)).body as MyUsageResponse;
    expect(mine).toMatchObject({
      role: 'user',
      today: { day: utcDay(), jobs: 1, gpu_seconds: 4 },
      quota_gpu_seconds: 10,
      remaining_gpu_seconds: 6,
      held: false,
      limits: { gpu_seconds_per_day: 10, max_steps: 40, weight: 1 },
    });
    expect(Date.parse(mine.resets_at) - Date.now()).toBeGreaterThan(0);
    expect(mine.resets_at).toMatch(/T00:00:00\.000Z$/);
    expect(mine.last_30_days).toHaveLength(30);
    expect(mine.last_30_days.at(-2)).toEqual({ day: yesterday, jobs: 2, gpu_seconds: 7 });
    expect(mine.last_30_days.filter((day) => day.jobs > 0)).toHaveLength(2);

    await ended(ada, 6.5);
    const spent = (await app.request.get('/api/me/usage').set(ada.bearer).expect(200))
      .body as MyUsageResponse;
    expect(spent).toMatchObject({ today: { gpu_seconds: 10.5 }, remaining_gpu_seconds: 0, held: true });

    // A curator has no quota: unlimited, never held.
    const theirs = (await app.request.get('/api/me/usage').set(bob.bearer).expect(200))
      .body as MyUsageResponse;
    expect(theirs).toMatchObject({
      role: 'curator',
      quota_gpu_seconds: null,
      remaining_gpu_seconds: null,
      held: false,
    });
  });

  it("counts today's usage again after a restart (the quota is read back from the table)", async () => {
    await app.request
      .put('/api/admin/limits/user')
      .set(admin.bearer)
      .send({ gpu_seconds_per_day: 3 })
      .expect(200);
    await ended(ada, 3.5);
    await app.restart();
    expect(app.nest.get(UsageService).usedTodayS(ada.user.id)).toBe(3.5);
    const session = await app.loginAs('ada', 'password-of-ada');
    const mine = (await app.request.get('/api/me/usage').set(session.bearer).expect(200))
      .body as MyUsageResponse;
    expect(mine).toMatchObject({ held: true, remaining_gpu_seconds: 0 });
  });
});
