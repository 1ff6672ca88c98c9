import type { AdminConfigResponse, AuditPage } from '@atelier/contract';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestSession } from '../test-app.js';
import { redisClient, testRedisUrl } from './redis-kit.js';

/**
 * Two replicas (two apps on one SQLite file) on one Redis: an admin's settings change on A takes effect on
 * B, which reloads the stored overrides without publishing the change again (one audit entry). Redis
 * database 10 is this spec's (flushed first).
 */
const redisUrl = testRedisUrl(10);

describe('runtime settings across replicas', () => {
  let a: TestApp;
  let b: TestApp;
  let redis: Redis;
  let admin: TestSession;
  const replica = (id: string, rootDir?: string) =>
    createTestApp({
      env: { ATELIER_REDIS_URL: redisUrl, ATELIER_REPLICA_ID: id },
      ...(rootDir ? { rootDir } : {}),
    });

  beforeAll(async () => {
    redis = redisClient(redisUrl);
    await redis.flushdb();
    a = await replica('replica-a');
    b = await replica('replica-b', a.rootDir);
    admin = await a.login('admin');
  });
  afterAll(async () => {
    // B first: A owns the folder and deletes it.
    await b?.close();
    await a?.close();
    await redis?.quit();
  });

  const settingOn = async (app: TestApp) => {
    const res = await app.request.get('/api/admin/config').set(admin.bearer).expect(200);
    return (res.body as AdminConfigResponse).settings.comfy_queue_paused;
  };
  const settingsEntries = async () => {
    const res = await a.request.get('/api/admin/audit').set(admin.bearer).expect(200);
    return (res.body as AuditPage).items.filter((entry) => entry.action === 'settings.changed');
  };

  it('applies a change made on A on B, and a reset too; each is audited once', async () => {
    expect(await settingOn(b)).toEqual({ value: false, source: 'default' });

    await a.request
      .patch('/api/admin/config')
      .set(admin.bearer)
      .send({ comfy_queue_paused: true })
      .expect(200);
    await expect.poll(() => settingOn(b)).toEqual({ value: true, source: 'admin' });

    // A reset: B reads the stored overrides again, so the key goes back to its default source.
    await a.request
      .patch('/api/admin/config')
      .set(admin.bearer)
      .send({ comfy_queue_paused: null })
      .expect(200);
    await expect.poll(() => settingOn(b)).toEqual({ value: false, source: 'default' });

    const entries = await settingsEntries();
    expect(entries.map((entry) => entry.details)).toEqual([
      { changed: { comfy_queue_paused: { from: true, to: false } } },
      { changed: { comfy_queue_paused: { from: false, to: true } } },
    ]);
  });

  it('applies a change made on B on A as well (either replica may be asked)', async () => {
    await b.request.patch('/api/admin/config').set(admin.bearer).send({ comfy_timeout: 45 }).expect(200);
    await expect
      .poll(async () => {
        const res = await a.request.get('/api/admin/config').set(admin.bearer).expect(200);
        return (res.body as AdminConfigResponse).settings.comfy_timeout;
      })
      .toEqual({ value: 45, source: 'admin' });
    expect(await settingsEntries()).toHaveLength(3);
  });
});
