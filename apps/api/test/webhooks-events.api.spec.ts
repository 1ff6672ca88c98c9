import type {
  ComfyHealthResponse,
  ComfyStatusResponse,
  KeepResponse,
  Txt2ImgResponse,
  WebhookEndpointWithSecret,
  WebhookEventName,
  WebhookPayload,
} from '@atelier/contract';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { ReviewService } from '../src/gallery/review/review.service.js';
import {
  samplerWorkflow,
  startComfyHarness,
  usersQueueGraphs,
  waitFor,
  type ComfyHarness,
} from './comfy-kit.js';
import { startReceiver, type ReceivedHook, type WebhookReceiver } from './webhook-receiver.js';
import type { TestSession } from './test-app.js';

/**
 * image.rejected, job.failed and job.lost, each caused for real (a curator's rejection, the simulator's failing
 * node, a ComfyUI restart that forgets a running job) and sent to a receiver subscribed to it, signed.
 */
let harness: ComfyHarness | null = null;
let receiver: WebhookReceiver | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
  await receiver?.close();
  receiver = null;
});

async function start(sim: { stepMs: number }) {
  receiver = await startReceiver();
  harness = await startComfyHarness({
    sim,
    env: { ...usersQueueGraphs, ATELIER_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' },
  });
  return { app: harness.app, sim: harness.sim, hook: receiver };
}

async function subscribe(
  session: TestSession,
  events: WebhookEventName[],
): Promise<WebhookEndpointWithSecret> {
  const res = await harness!.app.request
    .post('/api/me/webhooks')
    .set(session.bearer)
    .send({ url: receiver!.url(), events });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as WebhookEndpointWithSecret;
}

/** The verified body of the first hit of `type` (the signature must hold with the endpoint's secret). */
async function received(endpoint: WebhookEndpointWithSecret, type: string): Promise<WebhookPayload> {
  const typeOf = (hit: ReceivedHook) => (JSON.parse(hit.body) as WebhookPayload).type;
  const hits = await waitFor(
    () => receiver!.hits,
    (all) => all.some((hit) => typeOf(hit) === type),
  );
  const hit = hits.find((one) => typeOf(one) === type)!;
  return new Webhook(endpoint.secret).verify(hit.body, {
    'webhook-id': String(hit.headers['webhook-id']),
    'webhook-timestamp': String(hit.headers['webhook-timestamp']),
    'webhook-signature': String(hit.headers['webhook-signature']),
  }) as WebhookPayload;
}

const statusOf = async (session: TestSession, promptId: string) =>
  (await harness!.app.request.get(`/api/comfy/status/${promptId}`).set(session.bearer).expect(200))
    .body as ComfyStatusResponse;

describe('webhook events sent to a subscribed receiver', () => {
  it('image.rejected reaches the image’s owner with the curator and the note', async () => {
    const { app } = await start({ stepMs: 2 });
    const owner = await app.login('user', 'ada');
    const curator = await app.login('curator', 'cy');
    const endpoint = await subscribe(owner, ['image.rejected']);
    const queued = (
      await app.request
        .post('/api/comfy/txt2img')
        .set(owner.bearer)
        .send({ caption: 'a rejected fox', width: 64, height: 64, steps: 2 })
        .expect(201)
    ).body as Txt2ImgResponse;
    await waitFor(
      () => statusOf(owner, queued.prompt_id),
      (status) => status.status === 'succeeded',
    );
    const kept = (
      await app.request
        .post('/api/gallery/keep')
        .set(owner.bearer)
        .send({ prompt_id: queued.prompt_id })
        .expect(200)
    ).body as KeepResponse;
    const imageId = kept.items[0]!.image.id;
    const reviews = app.nest.get(ReviewService);
    await reviews.submit([imageId], owner.user);
    await reviews.reject([imageId], curator.user, 'too blurry for the team');

    const payload = await received(endpoint, 'image.rejected');
    expect(payload.data).toEqual({
      image_id: imageId,
      created_by: owner.user.id,
      reviewed_by: curator.user.id,
      note: 'too blurry for the team',
    });
    // Subscribed to image.rejected only: nothing else was sent (not image.kept, not the job's end).
    expect(receiver!.hits.map((hit) => (JSON.parse(hit.body) as WebhookPayload).type)).toEqual([
      'image.rejected',
    ]);
  });

  it('job.failed carries the failed node’s error', async () => {
    const { app } = await start({ stepMs: 2 });
    const owner = await app.login('user', 'ada');
    const endpoint = await subscribe(owner, ['job.failed', 'job.succeeded']);
    const queued = await app.request
      .post('/api/comfy/queue')
      .set(owner.bearer)
      .send({ workflow: samplerWorkflow(2, 'SIM_FAIL please') })
      .expect(201);
    const promptId = (queued.body as { prompt_id: string }).prompt_id;

    const payload = await received(endpoint, 'job.failed');
    expect(payload.data).toMatchObject({
      prompt_id: promptId,
      owner_id: owner.user.id,
      status: 'failed',
      images: [],
      error: { message: expect.stringMatching(/SIM_FAIL/) },
    });
    // Subscribed to job.succeeded too: a failed job is not reported as one.
    expect(receiver!.hits.map((hit) => (JSON.parse(hit.body) as WebhookPayload).type)).toEqual([
      'job.failed',
    ]);
    expect((await statusOf(owner, promptId)).status).toBe('failed');
  });

  it('job.lost is sent when ComfyUI restarts and forgets a running job', async () => {
    // 150 steps at 27 ms: still running for about 4 s.
    const { app, sim } = await start({ stepMs: 27 });
    const owner = await app.login('user', 'ada');
    const admin = await app.login('admin', 'root2');
    const endpoint = await subscribe(owner, ['job.lost']);
    const queued = await app.request
      .post('/api/comfy/queue')
      .set(owner.bearer)
      .send({ workflow: samplerWorkflow(150) })
      .expect(201);
    const promptId = (queued.body as { prompt_id: string }).prompt_id;
    await waitFor(
      () => statusOf(owner, promptId),
      (status) => status.status === 'running',
    );

    await sim.goDown();
    await waitFor(
      async () =>
        (await app.request.get('/api/comfy/health').set(admin.bearer).expect(200))
          .body as ComfyHealthResponse,
      (health) => health.state === 'down',
    );
    await sim.comeBack();

    const payload = await received(endpoint, 'job.lost');
    expect(payload.data).toMatchObject({
      prompt_id: promptId,
      owner_id: owner.user.id,
      status: 'lost',
      error: { code: 'comfy.job_lost' },
    });
  });
});
