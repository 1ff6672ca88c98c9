import type { RoleLimitsResponse } from '@atelier/contract';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { AppEventMap } from '../../src/events/app-events.js';
import { EventBus, type EventMeta } from '../../src/events/event-bus.js';
import { RedisEventBus } from '../../src/events/redis-event-bus.js';
import { closeRedis, openRedis, redisBootFailure } from '../../src/redis/redis-connections.js';
import { SHARE_RATE_LIMITS, type ShareRateLimits } from '../../src/sharing/share-throttle.js';
import { createTestApp, type TestApp } from '../test-app.js';
import { redisClient, startOwnRedis, testRedisUrl } from './redis-kit.js';

/**
 * Two replicas (two apps in this process on one SQLite file, as `npm run cluster -- --sqlite` runs them)
 * on one real Redis: what one publishes reaches the other's `any-replica` subscribers only, state one
 * changes is mirrored on the other, and a rate limit counts across both. Redis database 9 is this
 * spec's (flushed first).
 */
const redisUrl = testRedisUrl(9);

describe('two replicas on one Redis', () => {
  let a: TestApp;
  let b: TestApp;
  let redis: Redis;
  // Small enough to exhaust in a few requests; a window far longer than the test.
  const limits: ShareRateLimits = {
    perIp: { ratePerS: 0.001, burst: 3 },
    unlockPerShare: { ratePerS: 0.001, burst: 2 },
  };
  const replica = (id: string, rootDir?: string) =>
    createTestApp({
      env: { ATELIER_REDIS_URL: redisUrl, ATELIER_REPLICA_ID: id },
      overrides: [[SHARE_RATE_LIMITS, limits]],
      ...(rootDir ? { rootDir } : {}),
    });

  beforeAll(async () => {
    redis = redisClient(redisUrl);
    await redis.flushdb();
    a = await replica('replica-a');
    b = await replica('replica-b', a.rootDir);
  });
  afterAll(async () => {
    // B first: A owns the folder and deletes it.
    await b?.close();
    await a?.close();
    await redis?.quit();
  });

  /** The next `comfy.backend_state` of `backendId` heard by `bus` with these options. */
  const next = (bus: EventBus, backendId: number, options: { from?: 'any-replica' } = {}) =>
    new Promise<{ payload: AppEventMap['comfy.backend_state']; meta: EventMeta }>((resolve) => {
      const off = bus.subscribe(
        'comfy.backend_state',
        (payload, meta) => {
          if (payload.backendId !== backendId) return;
          off();
          resolve({ payload, meta });
        },
        options,
      );
    });

  it('brings an event published on A to the any-replica subscribers of B, not to its local-only ones', async () => {
    const busA = a.nest.get(EventBus);
    const busB = b.nest.get(EventBus);
    expect(busA).toBeInstanceOf(RedisEventBus);
    expect(busB).toBeInstanceOf(RedisEventBus);

    const localOnB: unknown[] = [];
    busB.subscribe('comfy.backend_state', (payload) => {
      if (payload.backendId === 9001) localOnB.push(payload);
    });
    const heardOnA: EventMeta[] = [];
    busA.subscribe(
      'comfy.backend_state',
      (payload, meta) => {
        if (payload.backendId === 9001) heardOnA.push(meta);
      },
      { from: 'any-replica' },
    );
    const onB = next(busB, 9001, { from: 'any-replica' });
    await busA.publish('comfy.backend_state', { backendId: 9001, accepting: false });

    expect(await onB).toEqual({
      payload: { backendId: 9001, accepting: false },
      meta: { origin: 'replica-a', local: false },
    });
    // Handlers of one message run together: a local-only handler on B would have run by now.
    expect(localOnB).toEqual([]);

    // B answers; by the time A hears it, A's own first message has come back too (one channel, in
    // order) and was not handled again.
    const onA = next(busA, 9002, { from: 'any-replica' });
    await busB.publish('comfy.backend_state', { backendId: 9002, accepting: true });
    expect((await onA).meta).toEqual({ origin: 'replica-b', local: false });
    expect(heardOnA).toEqual([{ origin: 'replica-a', local: true }]);
  });

  it("mirrors a role's caps changed on A on B (read again from the shared database)", async () => {
    const admin = await a.login('admin');
    const limitsOn = async (app: TestApp) =>
      (
        (await app.request.get('/api/admin/limits/user').set(admin.bearer).expect(200))
          .body as RoleLimitsResponse
      ).limits.max_waiting;
    expect(await limitsOn(b)).toBeNull();
    await a.request.put('/api/admin/limits/user').set(admin.bearer).send({ max_waiting: 4 }).expect(200);
    expect(await limitsOn(a)).toBe(4);
    // B reloads when the event arrives, a moment later.
    await expect.poll(() => limitsOn(b)).toBe(4);
  });

  it('counts a rate limit across replicas: the budget spent on A is refused on B', async () => {
    const missing = `/api/public/shares/${'C'.repeat(43)}`;
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await a.request.get(missing)).status);
    expect(statuses).toEqual([404, 404, 404]);

    const refused = await b.request.get(missing);
    expect([refused.status, refused.body.code]).toEqual([429, 'rate_limited']);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // The count lives in Redis (this spec's database), not in either process.
    expect(await redis.keys('atelier:rl:share-ip:*')).toHaveLength(1);
  });
});

describe('booting on Redis', () => {
  it('refuses a Redis that evicts keys, in one line naming the policy', async () => {
    const evicting = await startOwnRedis(['--maxmemory-policy', 'allkeys-lru']);
    try {
      const error = await createTestApp({ env: { ATELIER_REDIS_URL: evicting.url } }).catch(
        (e: unknown) => e,
      );
      // What main.ts prints after "Boot failed: " before exiting 1.
      expect(redisBootFailure(error)).toBe(
        `Redis at ${evicting.url} has maxmemory-policy allkeys-lru; Atelier needs noeviction ` +
          '(set maxmemory-policy noeviction in redis.conf or with CONFIG SET)',
      );
    } finally {
      await evicting.stop();
    }
  });

  it('warns when another replica already uses this ATELIER_REPLICA_ID (they would ignore each other)', async () => {
    // The module's Nest Logger (apps in one process share Nest's static logger, so no app's log is reliable).
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => {});
    const warnings = () =>
      warn.mock.calls
        .map(([message]) => String(message))
        .filter((message) => message.includes('replica twin'));
    try {
      const first = await openRedis(redisUrl, 'twin');
      try {
        expect(warnings()).toEqual([]);
        await closeRedis(await openRedis(redisUrl, 'twin'));
        expect(warnings()).toEqual([
          'Another process is connected to Redis as replica twin: give each replica its own ' +
            'ATELIER_REPLICA_ID, or they never hear each other',
        ]);
      } finally {
        await closeRedis(first);
      }
    } finally {
      warn.mockRestore();
    }
  });
});
