import type {
  AuditPage,
  CapErrorDetails,
  ErrorBody,
  RoleLimitsListResponse,
  RoleLimitsResponse,
} from '@atelier/contract';
import { unlimitedRoleLimits } from '@atelier/contract';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AdmissionRegistry } from '../src/comfy/queue-admission.js';
import {
  quickWorkflow,
  samplerWorkflow,
  startComfyHarness,
  usersQueueGraphs,
  type ComfyHarness,
} from './comfy-kit.js';
import type { TestApp, TestSession } from './test-app.js';

// Issue 13, caps per role: the value limits (steps, width × height, batch size) at every entry point that
// makes a graph, and the admin routes that set them.

let harness: ComfyHarness;
let app: TestApp;
let admin: TestSession;
let user: TestSession;
let curator: TestSession;

beforeAll(async () => {
  harness = await startComfyHarness({ sim: { stepMs: 1 }, env: usersQueueGraphs });
  app = harness.app;
  admin = await app.login('admin');
  user = await app.login('user');
  curator = await app.login('curator');
});
afterAll(() => harness.close());

beforeEach(async () => {
  for (const role of ['user', 'curator', 'admin'])
    await app.request
      .put(`/api/admin/limits/${role}`)
      .set(admin.bearer)
      .send(unlimitedRoleLimits)
      .expect(200);
});

function setLimits(role: string, body: Record<string, unknown>) {
  return app.request.put(`/api/admin/limits/${role}`).set(admin.bearer).send(body);
}

/** The three entry points that make a graph, each asked for the same thing. */
const entry = {
  txt2img: (
    as: TestSession,
    params: { steps?: number; width?: number; height?: number; batch_size?: number },
  ) =>
    app.request
      .post('/api/comfy/txt2img')
      .set(as.bearer)
      .send({ caption: 'a lighthouse', width: 64, height: 64, steps: 2, ...params }),
  template: (as: TestSession, params: { steps?: number; width?: number; height?: number }) =>
    app.request
      .post('/api/comfy/workflows/basic_txt2img/run')
      .set(as.bearer)
      .send({ params: { prompt: 'a lighthouse', width: 64, height: 64, steps: 2, ...params } }),
  graph: (
    as: TestSession,
    params: { steps?: number; width?: number; height?: number; batch_size?: number },
  ) => {
    const workflow = samplerWorkflow(params.steps ?? 2) as Record<
      string,
      { inputs: Record<string, unknown> }
    >;
    Object.assign(workflow['5']!.inputs, {
      width: params.width ?? 64,
      height: params.height ?? 64,
      batch_size: params.batch_size ?? 1,
    });
    return app.request.post('/api/comfy/queue').set(as.bearer).send({ workflow });
  },
};

function expectCap(
  response: { status: number; body: unknown },
  status: number,
  code: string,
  details: Partial<Record<keyof CapErrorDetails, unknown>>,
) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  const body = response.body as ErrorBody;
  expect(body.code).toBe(code);
  expect(body.details).toMatchObject(details);
}

describe('value limits per role, at every entry point', () => {
  it('max_steps: 400 comfy.limit_exceeded naming the cap for txt2img, templates and raw graphs; at the cap it runs', async () => {
    await setLimits('user', { max_steps: 10 }).expect(200);
    const over = { cap: 'max_steps', limit: 10, value: 11, field: '3.inputs.steps' };
    expectCap(await entry.txt2img(user, { steps: 11 }), 400, 'comfy.limit_exceeded', over);
    expectCap(await entry.template(user, { steps: 11 }), 400, 'comfy.limit_exceeded', over);
    expectCap(await entry.graph(user, { steps: 11 }), 400, 'comfy.limit_exceeded', over);

    expect((await entry.txt2img(user, { steps: 10 })).status).toBe(201);
    expect((await entry.template(user, { steps: 10 })).status).toBe(201);
    expect((await entry.graph(user, { steps: 10 })).status).toBe(201);
    // The cap is the user role's: a curator is not held to it.
    expect((await entry.txt2img(curator, { steps: 11 })).status).toBe(201);
  });

  it('max_pixels bounds width × height of the latent image', async () => {
    await setLimits('user', { max_pixels: 64 * 64 }).expect(200);
    const over = { cap: 'max_pixels', limit: 4096, value: 64 * 72, field: '5.inputs.width' };
    expectCap(await entry.txt2img(user, { height: 72 }), 400, 'comfy.limit_exceeded', over);
    expectCap(await entry.template(user, { height: 72 }), 400, 'comfy.limit_exceeded', over);
    expectCap(await entry.graph(user, { height: 72 }), 400, 'comfy.limit_exceeded', over);
    expect((await entry.txt2img(user, {})).status).toBe(201);
  });

  it('max_batch_size bounds every batch_size input, template parameters included', async () => {
    await setLimits('user', { max_batch_size: 1 }).expect(200);
    expectCap(await entry.txt2img(user, { batch_size: 2 }), 400, 'comfy.limit_exceeded', {
      cap: 'max_batch_size',
      limit: 1,
      value: 2,
    });
    expectCap(await entry.graph(user, { batch_size: 3 }), 400, 'comfy.limit_exceeded', {
      cap: 'max_batch_size',
      value: 3,
      field: '5.inputs.batch_size',
    });
    const pattern = await app.request
      .post('/api/comfy/workflows/test_pattern/run')
      .set(user.bearer)
      .send({ params: { width: 8, height: 8, batch_size: 2 } });
    expectCap(pattern, 400, 'comfy.limit_exceeded', { cap: 'max_batch_size', field: '1.inputs.batch_size' });
    const quick = quickWorkflow() as Record<string, { inputs: Record<string, unknown> }>;
    quick['1']!.inputs.batch_size = 2;
    expectCap(
      await app.request.post('/api/comfy/queue').set(user.bearer).send({ workflow: quick }),
      400,
      'comfy.limit_exceeded',
      { cap: 'max_batch_size', field: '1.inputs.batch_size' },
    );
  });

  it('a 0 limit means not allowed: 403 comfy.not_allowed naming the cap; graphs without such inputs still run', async () => {
    await setLimits('user', { max_steps: 0 }).expect(200);
    const refused = { cap: 'max_steps', limit: 0 };
    expectCap(await entry.txt2img(user, {}), 403, 'comfy.not_allowed', refused);
    expectCap(await entry.template(user, {}), 403, 'comfy.not_allowed', refused);
    expectCap(await entry.graph(user, {}), 403, 'comfy.not_allowed', refused);
    // No sampler, no steps: nothing this cap forbids.
    const quick = await app.request
      .post('/api/comfy/queue')
      .set(user.bearer)
      .send({ workflow: quickWorkflow() });
    expect(quick.status, JSON.stringify(quick.body)).toBe(201);
  });

  it('a refusal queues nothing', async () => {
    await setLimits('user', { max_steps: 5 }).expect(200);
    await entry.txt2img(user, { steps: 6 }).expect(400);
    const jobs = await app.request.get('/api/comfy/jobs').query({ mine: '1' }).set(user.bearer).expect(200);
    const mine = (jobs.body as { items: { params: unknown; status: string }[] }).items;
    expect(mine.some((job) => JSON.stringify(job.params).includes('"steps":6'))).toBe(false);
  });
});

describe('caps on a sweep (asked once for all its jobs, every cell through the GraphPolicy)', () => {
  const sweep = (steps: number[]) =>
    app.request
      .post('/api/comfy/sweeps')
      .set(user.bearer)
      .send({
        base: { kind: 'txt2img', params: { caption: 'a red fox', width: 64, height: 64, steps: 2 } },
        axes: [{ param: 'steps', values: steps }],
      });

  const jobCount = async () =>
    (
      (await app.request.get('/api/comfy/jobs').query({ mine: '1', limit: 100 }).set(user.bearer).expect(200))
        .body as { items: unknown[] }
    ).items.length;

  it('refuses the whole sweep naming the cap: waiting jobs, the daily quota, a cell over max_steps', async () => {
    const before = await jobCount();
    await setLimits('user', { max_waiting: 2 }).expect(200);
    expectCap(await sweep([2, 3, 4]), 429, 'comfy.queue_full', { cap: 'max_waiting', limit: 2, value: 3 });

    await setLimits('user', { max_waiting: null, gpu_seconds_per_day: 0 }).expect(200);
    const spent = await sweep([2, 3]);
    expectCap(spent, 429, 'comfy.quota_exceeded', { cap: 'gpu_seconds_per_day', limit: 0 });
    expect(Number(spent.headers['retry-after'])).toBeGreaterThanOrEqual(1);

    await setLimits('user', { gpu_seconds_per_day: null, max_steps: 10 }).expect(200);
    expectCap(await sweep([2, 20]), 400, 'comfy.limit_exceeded', { cap: 'max_steps', limit: 10, value: 20 });

    expect(await jobCount()).toBe(before);
    expect((await sweep([2, 10])).status).toBe(201);
    expect(await jobCount()).toBe(before + 2);
  });
});

describe('GET/PUT /api/admin/limits/:role', () => {
  it('starts unlimited, takes the fields given, says who changed them, and null makes a cap unlimited again', async () => {
    const fresh = await app.request.get('/api/admin/limits/curator').set(admin.bearer).expect(200);
    expect((fresh.body as RoleLimitsResponse).limits).toEqual(unlimitedRoleLimits);

    const put = await setLimits('curator', { max_waiting: 5, gpu_seconds_per_day: 90.5, weight: 2 }).expect(
      200,
    );
    const changed = put.body as RoleLimitsResponse;
    expect(changed).toMatchObject({
      role: 'curator',
      limits: { ...unlimitedRoleLimits, max_waiting: 5, gpu_seconds_per_day: 90.5, weight: 2 },
      updated_by: { id: admin.user.id, username: admin.user.username },
    });
    expect(Date.parse(changed.updated_at ?? '')).not.toBeNaN();
    // Absent fields keep their value.
    await setLimits('curator', { max_steps: 30 }).expect(200);
    const list = await app.request.get('/api/admin/limits').set(admin.bearer).expect(200);
    const curatorRow = (list.body as RoleLimitsListResponse).items.find((item) => item.role === 'curator');
    expect(curatorRow?.limits).toMatchObject({ max_waiting: 5, max_steps: 30, weight: 2 });
    expect((list.body as RoleLimitsListResponse).items.map((item) => item.role)).toEqual([
      'user',
      'curator',
      'admin',
    ]);

    await setLimits('curator', { max_waiting: null }).expect(200);
    const after = await app.request.get('/api/admin/limits/curator').set(admin.bearer).expect(200);
    expect((after.body as RoleLimitsResponse).limits.max_waiting).toBeNull();
  });

  it("hands the dispatcher each role's weight and running cap at once, in proportion (fractions of 1 too)", async () => {
    await setLimits('user', { weight: 0.5, max_running: 3 }).expect(200);
    await setLimits('curator', { weight: 2 }).expect(200);
    const admission = app.nest.get(AdmissionRegistry).current();
    const userShare = admission.shareOf(user.user.id, 'user');
    const curatorShare = admission.shareOf(curator.user.id, 'curator');
    expect(curatorShare.weight / userShare.weight).toBe(4);
    // The dispatcher's round-robin counts weights of at least 1.
    expect(userShare.weight).toBeGreaterThanOrEqual(1);
    expect(userShare).toMatchObject({ maxRunning: 3, held: false });
    expect(curatorShare.maxRunning).toBeNull();
  });

  it('audits each change with what moved', async () => {
    await setLimits('user', { max_steps: 12, max_pixels: 4096 }).expect(200);
    const audit = await app.request
      .get('/api/admin/audit')
      .query({ action: 'queue.limits_changed' })
      .set(admin.bearer)
      .expect(200);
    const [entry] = (audit.body as AuditPage).items;
    expect(entry).toMatchObject({
      actor: { id: admin.user.id },
      target: { type: 'role', id: 'user' },
      details: { max_steps: { from: null, to: 12 }, max_pixels: { from: null, to: 4096 } },
    });
  });

  it('is for admins only', async () => {
    for (const session of [user, curator]) {
      const read = await app.request.get('/api/admin/limits/user').set(session.bearer);
      expect(read.status).toBe(403);
      const write = await app.request
        .put('/api/admin/limits/user')
        .set(session.bearer)
        .send({ max_steps: 1 });
      expect(write.status).toBe(403);
      expect((write.body as ErrorBody).code).toBe('auth.forbidden');
    }
    const limits = await app.request.get('/api/admin/limits/user').set(admin.bearer).expect(200);
    expect((limits.body as RoleLimitsResponse).limits.max_steps).toBeNull();
  });

  it.each([
    ['a negative cap', { max_steps: -1 }],
    ['a fractional count', { max_waiting: 1.5 }],
    ['a cap beyond its bound', { max_batch_size: 1_000_000 }],
    ['a string', { max_pixels: '4096' }],
    ['weight null', { weight: null }],
    ['weight below 0.1', { weight: 0.05 }],
    ['an unknown field', { max_loras: 2 }],
    ['a quota of NaN', { gpu_seconds_per_day: 'NaN' }],
  ])('refuses %s with 400 validation_failed and changes nothing', async (_name, body) => {
    const response = await setLimits('user', body);
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect((response.body as ErrorBody).code).toBe('validation_failed');
    const limits = await app.request.get('/api/admin/limits/user').set(admin.bearer).expect(200);
    expect((limits.body as RoleLimitsResponse).limits).toEqual(unlimitedRoleLimits);
  });

  it('refuses a role that does not exist with 400', async () => {
    const response = await app.request.get('/api/admin/limits/root').set(admin.bearer);
    expect(response.status).toBe(400);
    expect((response.body as ErrorBody).details).toHaveProperty('role');
    expect((await setLimits('root', { max_steps: 1 })).status).toBe(400);
  });
});
