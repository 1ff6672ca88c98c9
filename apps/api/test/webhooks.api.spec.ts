import type {
  ComfyStatusResponse,
  CreatedApiKey,
  KeepResponse,
  Txt2ImgResponse,
  WebhookDeliveryListResponse,
  WebhookDeliveryQueued,
  WebhookEndpointView,
  WebhookEndpointWithSecret,
  WebhookListResponse,
  WebhookPayload,
} from '@atelier/contract';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../src/events/event-bus.js';
import { ReviewService } from '../src/gallery/review/review.service.js';
import { WebhookDeliveriesRepository } from '../src/webhooks/webhook-deliveries.repository.js';
import { startComfyHarness, waitFor, type ComfyHarness } from './comfy-kit.js';
import { expectRefusal } from './hostile/hostile-kit.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

/** Issue 15: your webhooks under /api/me/webhooks, and which events reach whose endpoint. */
let app: TestApp;
let harness: ComfyHarness | null = null;

afterEach(async () => {
  if (harness) await harness.close();
  else await app?.close();
  harness = null;
});

const receiver = 'https://receiver.example/hook';

function create(session: TestSession, body: object) {
  return app.request.post('/api/me/webhooks').set(session.bearer).send(body);
}

async function created(session: TestSession, body: object): Promise<WebhookEndpointWithSecret> {
  return (await create(session, body).expect(201)).body as WebhookEndpointWithSecret;
}

async function deliveries(session: TestSession, id: number): Promise<WebhookDeliveryListResponse['items']> {
  return (
    (await app.request.get(`/api/me/webhooks/${id}/deliveries`).set(session.bearer).expect(200))
      .body as WebhookDeliveryListResponse
  ).items;
}

/** The body stored for a delivery (the log does not show it; the receiver gets it). */
async function payloadOf(id: string): Promise<WebhookPayload> {
  const row = await app.nest.get(WebhookDeliveriesRepository).findDelivery(id);
  return JSON.parse(row?.payloadJson ?? 'null') as WebhookPayload;
}

describe('/api/me/webhooks', () => {
  it('creates (secret shown once), lists, changes, rotates and deletes an endpoint', async () => {
    app = await createTestApp();
    const user = await app.login('user');
    const made = await created(user, { url: receiver, events: ['job.succeeded', 'image.kept'] });
    expect(made).toMatchObject({
      owner_id: user.user.id,
      owner_username: user.user.username,
      url: receiver,
      events: ['job.succeeded', 'image.kept'],
      all_users: false,
      enabled: true,
      disabled_reason: null,
    });
    expect(made.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);

    const listed = (await app.request.get('/api/me/webhooks').set(user.bearer).expect(200))
      .body as WebhookListResponse;
    expect(listed.items).toHaveLength(1);
    expect(listed.items[0]).not.toHaveProperty('secret');
    expect(JSON.stringify(listed)).not.toContain(made.secret);

    const patched = (
      await app.request
        .patch(`/api/me/webhooks/${made.id}`)
        .set(user.bearer)
        .send({ events: ['sweep.finished'], enabled: false })
        .expect(200)
    ).body as WebhookEndpointView;
    expect([patched.events, patched.enabled, patched.url]).toEqual([['sweep.finished'], false, receiver]);
    expect(patched).not.toHaveProperty('secret');

    const rotated = (
      await app.request
        .patch(`/api/me/webhooks/${made.id}`)
        .set(user.bearer)
        .send({ rotate_secret: true })
        .expect(200)
    ).body as WebhookEndpointWithSecret;
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(made.secret);

    await app.request.delete(`/api/me/webhooks/${made.id}`).set(user.bearer).expect(204);
    expectRefusal(await app.request.delete(`/api/me/webhooks/${made.id}`).set(user.bearer), 404, 'not_found');
    expect(
      ((await app.request.get('/api/me/webhooks').set(user.bearer)).body as WebhookListResponse).items,
    ).toEqual([]);
  });

  it('answers another user’s endpoint as unknown (404); only admins list everyone’s or take all users’ events', async () => {
    app = await createTestApp();
    const owner = await app.login('user', 'ada');
    const other = await app.login('user', 'bob');
    const admin = await app.login('admin', 'root2');
    const mine = await created(owner, { url: receiver, events: ['job.succeeded'] });
    const testId = (
      (await app.request.post(`/api/me/webhooks/${mine.id}/test`).set(owner.bearer).expect(202))
        .body as WebhookDeliveryQueued
    ).delivery_id;

    const probes = [
      app.request.patch(`/api/me/webhooks/${mine.id}`).set(other.bearer).send({ events: [] }),
      app.request.delete(`/api/me/webhooks/${mine.id}`).set(other.bearer),
      app.request.get(`/api/me/webhooks/${mine.id}/deliveries`).set(other.bearer),
      app.request.post(`/api/me/webhooks/${mine.id}/test`).set(other.bearer),
      app.request.post(`/api/me/webhooks/${mine.id}/deliveries/${testId}/redeliver`).set(other.bearer),
    ];
    for (const probe of probes) expectRefusal(await probe, 404, 'not_found');
    expect((await deliveries(owner, mine.id)).map((row) => row.id)).toEqual([testId]);
    expect(
      ((await app.request.get('/api/me/webhooks').set(other.bearer)).body as WebhookListResponse).items,
    ).toEqual([]);

    expectRefusal(await app.request.get('/api/me/webhooks?all=1').set(other.bearer), 403, 'auth.forbidden');
    expectRefusal(
      await create(other, { url: receiver, events: ['job.succeeded'], all_users: true }),
      403,
      'auth.forbidden',
    );
    expectRefusal(
      await app.request.patch(`/api/me/webhooks/${mine.id}`).set(owner.bearer).send({ all_users: true }),
      403,
      'auth.forbidden',
    );

    const everyone = await created(admin, { url: receiver, events: ['job.failed'], all_users: true });
    const all = (await app.request.get('/api/me/webhooks?all=1').set(admin.bearer).expect(200))
      .body as WebhookListResponse;
    expect(all.items.map((item) => [item.id, item.owner_username])).toEqual([
      [mine.id, 'ada'],
      [everyone.id, 'root2'],
    ]);
  });

  it('refuses private, loopback and metadata addresses and non-http URLs (400), unless allow-listed', async () => {
    app = await createTestApp();
    const user = await app.login('user');
    for (const url of [
      'http://127.0.0.1:9000/hook',
      'http://10.0.0.1/hook',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/hook',
      'http://[::ffff:127.0.0.1]/hook',
      'http://localhost:8080/hook',
      'ftp://receiver.example/hook',
      'https://user:pw@receiver.example/hook',
      'not a url',
    ]) {
      expectRefusal(await create(user, { url, events: ['job.succeeded'] }), 400, 'webhooks.url_refused');
    }
    const made = await created(user, { url: receiver, events: [] });
    expectRefusal(
      await app.request
        .patch(`/api/me/webhooks/${made.id}`)
        .set(user.bearer)
        .send({ url: 'http://192.168.1.10/' }),
      400,
      'webhooks.url_refused',
    );
    for (const body of [
      { url: receiver, events: ['job.nope'] },
      { url: receiver, events: 'job.succeeded' },
      { url: 42, events: [] },
      { url: receiver, events: [], all_users: 'yes' },
    ]) {
      expectRefusal(await create(user, body), 400, 'validation_failed');
    }
    await app.close();

    app = await createTestApp({ env: { ATELIER_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
    const allowed = await app.login('user');
    await create(allowed, { url: 'http://127.0.0.1:9000/hook', events: [] }).expect(201);
  });

  it('sends a test, logs each delivery’s outcome, and redelivers one as a new delivery; a disabled endpoint gets neither (409)', async () => {
    const hits: { id: string; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        hits.push({ id: String(req.headers['webhook-id']), body });
        res.writeHead(200, { 'content-type': 'text/plain' }).end('thanks');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      app = await createTestApp({ env: { ATELIER_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' } });
      const user = await app.login('user');
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      const made = await created(user, { url, events: [] });
      const test = (
        (await app.request.post(`/api/me/webhooks/${made.id}/test`).set(user.bearer).expect(202))
          .body as WebhookDeliveryQueued
      ).delivery_id;
      const [logged] = await waitFor(
        () => deliveries(user, made.id),
        (rows) => rows[0]?.status === 'delivered',
      );
      expect(logged).toEqual({
        id: test,
        endpoint_id: made.id,
        event: 'webhook.test',
        status: 'delivered',
        attempts: 1,
        next_attempt_at: null,
        last_status: 200,
        last_latency_ms: expect.any(Number),
        last_error: null,
        response_excerpt: 'thanks',
        created_at: expect.any(String),
        delivered_at: expect.any(String),
        attempt_log: [{ at: expect.any(String), status: 200, latency_ms: expect.any(Number), error: null }],
      });
      expect(hits.map((hit) => hit.id)).toEqual([test]);
      expect(JSON.parse(hits[0]!.body)).toMatchObject({
        type: 'webhook.test',
        data: { endpoint_id: made.id },
      });

      const again = (
        (
          await app.request
            .post(`/api/me/webhooks/${made.id}/deliveries/${test}/redeliver`)
            .set(user.bearer)
            .expect(202)
        ).body as WebhookDeliveryQueued
      ).delivery_id;
      expect(again).not.toBe(test);
      await waitFor(
        () => Promise.resolve(hits.length),
        (count) => count === 2,
      );
      expect(hits[1]!.id).toBe(again);
      expect(hits[1]!.body).toBe(hits[0]!.body);

      // A delivery of another endpoint, even the user's own, is not this endpoint's.
      const second = await created(user, { url, events: [] });
      expectRefusal(
        await app.request.post(`/api/me/webhooks/${second.id}/deliveries/${test}/redeliver`).set(user.bearer),
        404,
        'not_found',
      );

      await app.request
        .patch(`/api/me/webhooks/${made.id}`)
        .set(user.bearer)
        .send({ enabled: false })
        .expect(200);
      expectRefusal(
        await app.request.post(`/api/me/webhooks/${made.id}/test`).set(user.bearer),
        409,
        'conflict',
      );
      expectRefusal(
        await app.request.post(`/api/me/webhooks/${made.id}/deliveries/${test}/redeliver`).set(user.bearer),
        409,
        'conflict',
      );
      expect(hits).toHaveLength(2);
    } finally {
      server.close();
    }
  });
  it('refuses API keys on every webhook route, whatever their scopes (a session only)', async () => {
    app = await createTestApp();
    const user = await app.login('user');
    const made = await created(user, { url: receiver, events: [] });
    const key = (
      await app.request
        .post('/api/me/api-keys')
        .set(user.bearer)
        .send({
          name: 'all scopes',
          scopes: ['jobs:read', 'jobs:write', 'gallery:read', 'gallery:write', 'boards:write'],
        })
        .expect(201)
    ).body as CreatedApiKey;
    const bearer = { Authorization: `Bearer ${key.key}` };
    for (const call of [
      app.request.get('/api/me/webhooks').set(bearer),
      app.request.post('/api/me/webhooks').set(bearer).send({ url: receiver, events: [] }),
      app.request
        .patch(`/api/me/webhooks/${made.id}`)
        .set(bearer)
        .send({ url: 'https://elsewhere.example/' }),
      app.request.delete(`/api/me/webhooks/${made.id}`).set(bearer),
      app.request.get(`/api/me/webhooks/${made.id}/deliveries`).set(bearer),
      app.request.post(`/api/me/webhooks/${made.id}/test`).set(bearer),
      app.request.post(`/api/me/webhooks/${made.id}/deliveries/x/redeliver`).set('X-Api-Key', key.key),
    ]) {
      expectRefusal(await call, 403, 'auth.insufficient_scope');
    }
    const [still] = ((await app.request.get('/api/me/webhooks').set(user.bearer)).body as WebhookListResponse)
      .items;
    expect(still?.url).toBe(receiver);
    expect(await deliveries(user, made.id)).toEqual([]);
  });
});

describe('events fanned out to endpoints', () => {
  async function runJob(session: TestSession, caption: string): Promise<string> {
    const queued = (
      await app.request
        .post('/api/comfy/txt2img')
        .set(session.bearer)
        .send({ caption, width: 64, height: 64, steps: 2 })
        .expect(201)
    ).body as Txt2ImgResponse;
    await waitFor(
      async () =>
        (await app.request.get(`/api/comfy/status/${queued.prompt_id}`).set(session.bearer))
          .body as ComfyStatusResponse,
      (status) => status.status === 'succeeded',
    );
    return queued.prompt_id;
  }

  it('a finished job reaches its owner’s endpoint and an admin’s all-users endpoint, not another user’s', async () => {
    harness = await startComfyHarness({ sim: { stepMs: 2 } });
    app = harness.app;
    const owner = await app.login('user', 'ada');
    const other = await app.login('user', 'bob');
    const admin = await app.login('admin', 'root2');
    const ownerHook = await created(owner, { url: receiver, events: ['job.succeeded'] });
    const otherHook = await created(other, { url: receiver, events: ['job.succeeded'] });
    const adminOwn = await created(admin, { url: receiver, events: ['job.succeeded'] });
    const adminAll = await created(admin, { url: receiver, events: ['job.succeeded'], all_users: true });
    const unsubscribed = await created(owner, { url: receiver, events: ['job.failed'] });

    const promptId = await runJob(owner, 'a webhook fox');
    const [delivery] = await waitFor(
      () => deliveries(owner, ownerHook.id),
      (rows) => rows.length > 0,
    );
    expect(delivery).toMatchObject({ event: 'job.succeeded', status: 'pending' });
    const payload = await payloadOf(delivery!.id);
    expect(payload).toMatchObject({
      type: 'job.succeeded',
      data: { prompt_id: promptId, owner_id: owner.user.id, status: 'succeeded', error: null },
    });
    expect((payload.data.images as unknown[]).length).toBe(1);
    await waitFor(
      () => deliveries(admin, adminAll.id),
      (rows) => rows.length === 1,
    );
    expect(await deliveries(other, otherHook.id)).toEqual([]);
    expect(await deliveries(admin, adminOwn.id)).toEqual([]);
    expect(await deliveries(owner, unsubscribed.id)).toEqual([]);
  });

  it('keeping and approving an image reach its owner as image.kept then image.approved', async () => {
    harness = await startComfyHarness({ sim: { stepMs: 2 } });
    app = harness.app;
    const owner = await app.login('user', 'ada');
    const curator = await app.login('curator', 'cy');
    const hook = await created(owner, { url: receiver, events: ['image.kept', 'image.approved'] });
    const promptId = await runJob(owner, 'keep and approve');
    const kept = (
      await app.request.post('/api/gallery/keep').set(owner.bearer).send({ prompt_id: promptId }).expect(200)
    ).body as KeepResponse;
    const imageId = kept.items[0]!.image.id;
    const reviews = app.nest.get(ReviewService);
    await reviews.submit([imageId], owner.user);
    await reviews.approve([imageId], curator.user);

    const rows = await waitFor(
      () => deliveries(owner, hook.id),
      (found) => found.length === 2,
    );
    const payloads = await Promise.all(rows.map((row) => payloadOf(row.id)));
    expect(payloads.map((payload) => [payload.type, payload.data]).sort()).toEqual([
      [
        'image.approved',
        { image_id: imageId, created_by: owner.user.id, reviewed_by: curator.user.id, note: null },
      ],
      [
        'image.kept',
        { image_id: imageId, created_by: owner.user.id, prompt_id: promptId, kept_by: owner.user.id },
      ],
    ]);
  });

  it('sweep.finished reaches its owner; a disabled owner’s endpoints and a demoted admin’s all-users endpoint get nothing more', async () => {
    app = await createTestApp();
    const owner = await app.login('user', 'ada');
    const admin = await app.login('admin', 'root2');
    const boss = await app.login('admin', 'boss');
    const hook = await created(owner, { url: receiver, events: ['sweep.finished'] });
    const everyone = await created(admin, { url: receiver, events: ['sweep.finished'], all_users: true });
    const bus = app.nest.get(EventBus);
    const logOf = (id: number) => app.nest.get(WebhookDeliveriesRepository).deliveriesOf(id, 10);
    const finished = { sweepId: 's-1', ownerId: owner.user.id, total: 4, succeeded: 3, failed: 1 };

    await bus.publish('sweep.finished', finished);
    const [first] = await waitFor(
      () => logOf(hook.id),
      (rows) => rows.length === 1,
    );
    expect((await payloadOf(first!.id)).data).toEqual({
      sweep_id: 's-1',
      owner_id: owner.user.id,
      total: 4,
      succeeded: 3,
      failed: 1,
    });
    await waitFor(
      () => logOf(everyone.id),
      (rows) => rows.length === 1,
    );

    await app.request
      .patch(`/api/admin/users/${owner.user.id}`)
      .set(boss.bearer)
      .send({ disabled: true })
      .expect(200);
    await app.request
      .patch(`/api/admin/users/${admin.user.id}`)
      .set(boss.bearer)
      .send({ role: 'user' })
      .expect(200);
    await bus.publish('sweep.finished', { ...finished, sweepId: 's-2' });
    expect(await logOf(hook.id)).toHaveLength(1);
    expect(await logOf(everyone.id)).toHaveLength(1);
  });
});
