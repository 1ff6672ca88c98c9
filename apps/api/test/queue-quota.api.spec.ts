import type {
  ComfyQueueResponse,
  ComfyStatusResponse,
  ErrorBody,
  JobListResponse,
  MyUsageResponse,
  UsageResponse,
} from '@atelier/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  quickWorkflow,
  samplerWorkflow,
  simJson,
  startComfyHarness,
  usersQueueGraphs,
  waitFor,
  type ComfyHarness,
} from './comfy-kit.js';
import { comfySeconds } from './comfy-queue-kit.js';
import type { TestApp, TestSession } from './test-app.js';

// Issue 13 with the simulator: GPU-seconds from ComfyUI's own timestamps, the daily quota, and the
// counting caps (waiting jobs, jobs in flight) at every entry point.

let harness: ComfyHarness;
let app: TestApp;
let admin: TestSession;
let user: TestSession;

beforeEach(async () => {
  harness = await startComfyHarness({ sim: { stepMs: 10 }, env: usersQueueGraphs });
  app = harness.app;
  admin = await app.login('admin');
  user = await app.login('user');
});
afterEach(() => harness.close());

function setLimits(role: string, body: Record<string, unknown>) {
  return app.request.put(`/api/admin/limits/${role}`).set(admin.bearer).send(body).expect(200);
}

async function queue(session: TestSession, workflow: Record<string, unknown>): Promise<string> {
  const response = await app.request.post('/api/comfy/queue').set(session.bearer).send({ workflow });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return (response.body as ComfyQueueResponse).prompt_id;
}

async function status(session: TestSession, promptId: string): Promise<ComfyStatusResponse> {
  return (await app.request.get(`/api/comfy/status/${promptId}`).set(session.bearer).expect(200))
    .body as ComfyStatusResponse;
}

/** One more job asked for at each entry point that makes one: a raw graph, txt2img and a template. */
const oneMoreJobFromEachEntryPoint = (session: TestSession) => [
  app.request.post('/api/comfy/queue').set(session.bearer).send({ workflow: quickWorkflow() }),
  app.request
    .post('/api/comfy/txt2img')
    .set(session.bearer)
    .send({ caption: 'more', width: 64, height: 64, steps: 2 }),
  app.request.post('/api/comfy/workflows/test_pattern/run').set(session.bearer).send({ params: {} }),
];

const ended = (session: TestSession, promptId: string) =>
  waitFor(
    () => status(session, promptId),
    (s) => ['succeeded', 'failed', 'interrupted', 'lost'].includes(s.status),
    { timeoutMs: 15_000 },
  );

async function gpuSecondsOf(session: TestSession, promptId: string): Promise<number | null> {
  const list = (await app.request.get('/api/comfy/jobs').query({ mine: '1' }).set(session.bearer).expect(200))
    .body as JobListResponse;
  const job = list.items.find((item) => item.prompt_id === promptId);
  if (!job) throw new Error(`${promptId} is not listed`);
  return job.gpu_seconds;
}

/** The job's gpu_seconds once the tracker has written them (the end event and the ledger write race). */
const recordedGpuSeconds = (session: TestSession, promptId: string) =>
  waitFor(
    () => gpuSecondsOf(session, promptId),
    (seconds) => seconds !== null,
  );

/** ws/run_execution_error.json: ImageBlend of an RGB with an RGBA image raises at run time. */
const failingGraph = {
  '10': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: 255 } },
  '11': { class_type: 'SolidMask', inputs: { value: 1.0, width: 64, height: 64 } },
  '12': { class_type: 'JoinImageWithAlpha', inputs: { image: ['10', 0], alpha: ['11', 0] } },
  '13': {
    class_type: 'ImageBlend',
    inputs: { image1: ['10', 0], image2: ['12', 0], blend_factor: 0.5, blend_mode: 'normal' },
  },
  '14': { class_type: 'SaveImage', inputs: { images: ['13', 0], filename_prefix: 'willfail' } },
};

describe('GPU-seconds per job', () => {
  it("records ComfyUI's execution_start..execution_success on the job and sums it per user, day and backend", async () => {
    const first = await queue(user, samplerWorkflow(12));
    expect((await ended(user, first)).status).toBe('succeeded');
    const ran = await comfySeconds(harness.sim, first);
    expect(ran).toBeGreaterThan(0);
    expect(await recordedGpuSeconds(user, first)).toBeCloseTo(ran, 6);

    // The same graph again: ComfyUI serves every node from its cache, so its run costs (almost) nothing.
    const rerun = await queue(user, samplerWorkflow(12));
    expect((await ended(user, rerun)).status).toBe('succeeded');
    const cached = await comfySeconds(harness.sim, rerun);
    expect(cached).toBeLessThan(ran);
    expect(await recordedGpuSeconds(user, rerun)).toBeCloseTo(cached, 6);

    const failed = await queue(user, failingGraph);
    expect((await ended(user, failed)).status).toBe('failed');
    const failedRan = await comfySeconds(harness.sim, failed);
    expect(await recordedGpuSeconds(user, failed)).toBeCloseTo(failedRan, 6);

    const total = ran + cached + failedRan;
    const byBackend = await waitFor(
      async () =>
        (
          await app.request
            .get('/api/admin/usage')
            .query({ group_by: 'backend' })
            .set(admin.bearer)
            .expect(200)
        ).body as UsageResponse,
      (report) => report.totals.jobs === 3,
    );
    expect(byBackend.rows).toHaveLength(1);
    expect(byBackend.rows[0]).toMatchObject({ key: '1', jobs: 3 });
    expect(byBackend.rows[0]?.gpu_seconds).toBeCloseTo(total, 3);
    const mine = (await app.request.get('/api/me/usage').set(user.bearer).expect(200))
      .body as MyUsageResponse;
    expect(mine.today.jobs).toBe(3);
    expect(mine.today.gpu_seconds).toBeCloseTo(total, 3);
  });
});

describe('the daily GPU quota', () => {
  it('refuses new jobs with 429 comfy.quota_exceeded once spent, holds the waiting ones, and lets them go when raised', async () => {
    await setLimits('user', { gpu_seconds_per_day: 0.001 });
    // Queued while nothing is spent: the first runs, the second is prefetched, the third waits in Atelier.
    const first = await queue(user, samplerWorkflow(20, 'first'));
    const second = await queue(user, samplerWorkflow(2, 'second'));
    const third = await queue(user, samplerWorkflow(2, 'third'));
    expect((await ended(user, first)).status).toBe('succeeded');
    expect((await ended(user, second)).status).toBe('succeeded');
    expect(await status(user, third)).toMatchObject({ status: 'waiting' });
    expect(await simJson(harness.sim, `/history/${third}`)).toEqual({});
    const mine = (await app.request.get('/api/me/usage').set(user.bearer).expect(200))
      .body as MyUsageResponse;
    expect(mine).toMatchObject({ held: true, remaining_gpu_seconds: 0, quota_gpu_seconds: 0.001 });

    for (const refused of oneMoreJobFromEachEntryPoint(user)) {
      const response = await refused;
      expect(response.status, JSON.stringify(response.body)).toBe(429);
      expect(response.body as ErrorBody).toMatchObject({
        code: 'comfy.quota_exceeded',
        details: { cap: 'gpu_seconds_per_day', limit: 0.001 },
      });
      const retryAfter = Number(response.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(86_400);
    }
    // Another role is not held to it.
    const curator = await app.login('curator');
    expect((await ended(curator, await queue(curator, quickWorkflow()))).status).toBe('succeeded');

    // Raised: the held job runs at once.
    await setLimits('user', { gpu_seconds_per_day: null });
    expect((await ended(user, third)).status).toBe('succeeded');
  });
});

describe('counting caps', () => {
  it('max_waiting: 429 comfy.queue_full naming the cap at every entry point; a cancelled job frees a place', async () => {
    await setLimits('user', { max_waiting: 2 });
    await app.request.post('/api/comfy/queue/pause').set(user.bearer).expect(200);
    const first = await queue(user, quickWorkflow());
    await queue(user, quickWorkflow());
    for (const refused of oneMoreJobFromEachEntryPoint(user)) {
      const response = await refused;
      expect(response.status, JSON.stringify(response.body)).toBe(429);
      expect(response.body as ErrorBody).toMatchObject({
        code: 'comfy.queue_full',
        details: { cap: 'max_waiting', limit: 2, value: 1, current: 2 },
      });
    }
    await app.request.post(`/api/comfy/cancel/${first}`).set(user.bearer).expect(200);
    await queue(user, quickWorkflow());
  });

  it('max_running: the dispatcher keeps the rest waiting; 0 means the role may not queue at all (403)', async () => {
    await setLimits('user', { max_running: 1 });
    const first = await queue(user, samplerWorkflow(40, 'long'));
    const second = await queue(user, quickWorkflow());
    await waitFor(
      () => status(user, first),
      (s) => s.status === 'running',
    );
    // Without the cap it would be prefetched into ComfyUI's queue; with it, it waits in Atelier.
    expect(await status(user, second)).toMatchObject({ status: 'waiting' });
    expect((await ended(user, first)).status).toBe('succeeded');
    expect((await ended(user, second)).status).toBe('succeeded');

    await setLimits('user', { max_running: 0 });
    const refused = await app.request
      .post('/api/comfy/queue')
      .set(user.bearer)
      .send({ workflow: quickWorkflow() });
    expect(refused.status).toBe(403);
    expect(refused.body as ErrorBody).toMatchObject({
      code: 'comfy.not_allowed',
      details: { cap: 'max_running' },
    });
  });
});
