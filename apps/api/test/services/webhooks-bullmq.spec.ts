import type { BackgroundOverview, WebhookAttempt } from '@atelier/contract';
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BackgroundJobs } from '../../src/background/background-jobs.js';
import { BullmqBackgroundJobs } from '../../src/background/bullmq-background-jobs.js';
import { Sql } from '../../src/database/sql.js';
import { deliverQueue } from '../../src/webhooks/delivery-job.js';
import { WEBHOOK_RETRY_DELAYS } from '../../src/webhooks/delivery-worker.js';
import { SafeSender } from '../../src/webhooks/safe-sender.js';
import { WebhookDeliveries } from '../../src/webhooks/webhook-deliveries.service.js';
import {
  parseAttempts,
  WebhookDeliveriesRepository,
} from '../../src/webhooks/webhook-deliveries.repository.js';
import { WebhookEndpointsRepository } from '../../src/webhooks/webhook-endpoints.repository.js';
import { waitFor } from '../comfy-kit.js';
import { createTestApp, type TestApp } from '../test-app.js';
import { startReceiver, type WebhookReceiver } from '../webhook-receiver.js';
import { redisClient, testRedisUrl } from './redis-kit.js';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database.js';

/**
 * Webhook deliveries as `webhook.deliver` BullMQ jobs with two replicas (two apps on one Postgres database
 * and one Redis database): each try is made by one replica, a failed one is retried after the listed delay
 * (by either replica), a delivered one is never sent again, and one that used up its tries is in the
 * background failed list both replicas show. Redis database 6 is this spec's (flushed first).
 */
const redisUrl = testRedisUrl(6);
/** Scale-out mode wants one signing secret for all replicas. */
const jwtSecret = randomBytes(32).toString('hex');

interface Try {
  replica: string;
  deliveryId: string;
}

describe('webhook deliveries on BullMQ, two replicas on Postgres', () => {
  let database: ScratchDatabase;
  let redis: Redis;
  let receiver: WebhookReceiver;
  let a: TestApp;
  let b: TestApp;
  const tries: Try[] = [];
  /** Answers per webhook-id so far; `/flaky` answers 500 twice then 200, `/down` always 500. */
  const answered = new Map<string, number>();

  /** Each replica's real sender, noting which replica made the try. */
  const noteTries = (app: TestApp, replica: string) => {
    const sender = app.nest.get(SafeSender);
    const send = sender.send.bind(sender);
    sender.send = (request) => {
      tries.push({ replica, deliveryId: request.headers['webhook-id'] ?? '' });
      return send(request);
    };
  };

  beforeAll(async () => {
    database = await createScratchDatabase('atelier_webhooks');
    redis = redisClient(redisUrl);
    await redis.flushdb();
    receiver = await startReceiver((_, res) => {
      const id = String(res.req.headers['webhook-id']);
      const count = (answered.get(id) ?? 0) + 1;
      answered.set(id, count);
      res.statusCode = res.req.url === '/down' || count <= 2 ? 500 : 200;
      res.end(`answer ${count}`);
    });
    const replica = (id: string, rootDir?: string) =>
      createTestApp({
        env: {
          ATELIER_DATABASE_URL: database.url,
          ATELIER_REDIS_URL: redisUrl,
          ATELIER_REPLICA_ID: id,
          ATELIER_JWT_SECRET: jwtSecret,
          ATELIER_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        },
        overrides: [[WEBHOOK_RETRY_DELAYS, [50, 50]]],
        ...(rootDir ? { rootDir } : {}),
      });
    a = await replica('hooks-a');
    b = await replica('hooks-b', a.rootDir);
    noteTries(a, 'hooks-a');
    noteTries(b, 'hooks-b');
  }, 120_000);

  afterAll(async () => {
    // B first: A owns the folder and deletes it.
    await b?.close();
    await a?.close();
    await receiver?.close();
    await redis?.quit();
    await database?.drop();
  });

  async function endpointTo(path: string, username: string) {
    const owner = await a.user('user', username);
    return a.nest.get(WebhookEndpointsRepository).insert({
      ownerId: owner.id,
      url: receiver.url(path),
      secret: a.nest.get(WebhookDeliveries).newSecret(),
      events: ['job.succeeded'],
      allUsers: false,
    });
  }

  const settled = (app: TestApp, id: string) =>
    waitFor(
      () => app.nest.get(WebhookDeliveriesRepository).findDelivery(id),
      (row) => row !== null && row.status !== 'pending',
    );

  it('runs on Postgres and BullMQ', () => {
    for (const app of [a, b]) {
      expect(app.nest.get(Sql).dialect).toBe('postgres');
      expect(app.nest.get(BackgroundJobs)).toBeInstanceOf(BullmqBackgroundJobs);
    }
  });

  it('retries deliveries answered 500 twice and delivers each on its third try, exactly once across the replicas', async () => {
    const endpoint = await endpointTo('/flaky', 'flaky-owner');
    // Half queued on each replica; either replica's worker may take any of their tries.
    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, n) =>
        (n % 2 === 0 ? a : b).nest
          .get(WebhookDeliveries)
          .enqueue(endpoint, 'job.succeeded', { prompt_id: `p${n}` }),
      ),
    );
    for (const [n, id] of ids.entries()) {
      const row = await settled(n % 2 === 0 ? b : a, id ?? '');
      expect(row).toMatchObject({ status: 'delivered', attempts: 3, lastStatus: 200, nextAttemptAt: null });
      expect(parseAttempts(row?.attemptLogJson ?? '[]').map((t: WebhookAttempt) => t.status)).toEqual([
        500, 500, 200,
      ]);
    }
    // Three tries per delivery, none after the 200: never one try by both replicas, never one sent again.
    for (const id of ids) {
      expect(tries.filter((t) => t.deliveryId === id)).toHaveLength(3);
      expect(answered.get(id ?? '')).toBe(3);
    }
    expect(receiver.hits).toHaveLength(60);
    // Both replicas' workers took part (sixty tries, ten at a time each).
    expect(new Set(tries.map((t) => t.replica))).toEqual(new Set(['hooks-a', 'hooks-b']));
    // Done jobs go: nothing is left in the queue.
    const counts = await a.nest.get(BackgroundJobs).overview();
    expect(counts.find((q) => q.name === deliverQueue)?.counts).toEqual({
      waiting: 0,
      active: 0,
      delayed: 0,
      failed: 0,
    });
  });

  it('lists a delivery that used up its tries in the background failed list, on both replicas', async () => {
    const endpoint = await endpointTo('/down', 'down-owner');
    const id = (await a.nest.get(WebhookDeliveries).sendTest(endpoint)) ?? '';
    const row = await settled(b, id);
    expect(row).toMatchObject({ status: 'gave_up', attempts: 3, lastStatus: 500 });
    expect(tries.filter((t) => t.deliveryId === id)).toHaveLength(3);

    for (const [app, name] of [
      [a, 'admin-a'],
      [b, 'admin-b'],
    ] as const) {
      const admin = await app.login('admin', name);
      const view = await waitFor(
        async () =>
          (await app.request.get('/api/admin/background').set(admin.bearer).expect(200))
            .body as BackgroundOverview,
        (overview) => overview.queues.some((q) => q.name === deliverQueue && q.counts.failed === 1),
      );
      expect(view.queues.find((q) => q.name === deliverQueue)?.failed).toEqual([
        {
          id,
          name: deliverQueue,
          reason: 'HTTP 500 (gave up after 3 tries)',
          attempts: 3,
          failedAt: expect.any(String),
        },
      ]);
    }
  });
});
