import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { ThumbnailBackfill } from '../../src/gallery/thumbnail-backfill.js';
import { createTestApp, type TestApp } from '../test-app.js';
import { startOwnRedis } from './redis-kit.js';

/** Far above the shutdown's own bound: only a close that never ends reaches it. */
const hungMs = 60_000;

/**
 * A replica whose Redis went away still shuts down: its BullMQ workers, queues and Redis connections
 * wait for a Redis that does not answer only up to a bound, then are dropped. A Redis of the test's own,
 * stopped mid-test (never started again).
 */
describe('shutdown while Redis is down', () => {
  let app: TestApp | undefined;
  let redis: { url: string; stop: () => Promise<void> } | undefined;
  afterEach(async () => {
    await redis?.stop();
  });

  it('app.close() ends though Redis stopped answering', async () => {
    redis = await startOwnRedis(['--maxmemory-policy', 'noeviction']);
    app = await createTestApp({
      env: { ATELIER_REDIS_URL: redis.url, ATELIER_REPLICA_ID: 'alone' },
    });
    // A job on the queues, so the workers and the queue connection have been used.
    await app.nest.get(ThumbnailBackfill).sweep();
    await redis.stop();
    const outcome = await Promise.race([
      app.close().then(() => 'closed' as const),
      sleep(hungMs).then(() => 'hung' as const),
    ]);
    expect(outcome).toBe('closed');
  }, 120_000);
});
