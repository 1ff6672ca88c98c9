import { startComfySim, type ComfySim } from '@atelier/comfy-sim';
import type {
  BackendHealth,
  ComfyHealthResponse,
  ComfyStatusResponse,
  JobListResponse,
} from '@atelier/contract';
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import {
  comfyEnv,
  quickWorkflow,
  samplerWorkflow,
  simJson,
  startComfyHarness,
  waitFor,
  type ComfyHarness,
  usersQueueGraphs,
} from './comfy-kit.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

async function health(app: TestApp, session: TestSession): Promise<ComfyHealthResponse> {
  const response = await app.request.get('/api/comfy/health').set(session.bearer).expect(200);
  return response.body as ComfyHealthResponse;
}

/** The default backend as the health view lists it (names and states only, for everyone). */
function defaultBackend(overrides: Partial<BackendHealth>): BackendHealth {
  return {
    id: 1,
    name: 'default',
    is_default: true,
    state: 'up',
    draining: false,
    in_flight: 0,
    queue_remaining: null,
    ...overrides,
  };
}

async function statusOf(app: TestApp, session: TestSession, promptId: string): Promise<ComfyStatusResponse> {
  return (await app.request.get(`/api/comfy/status/${promptId}`).set(session.bearer).expect(200))
    .body as ComfyStatusResponse;
}

async function simKnows(sim: ComfySim, promptId: string): Promise<boolean> {
  const history = (await simJson(sim, `/history/${promptId}`)) as Record<string, unknown>;
  return promptId in history;
}

describe('the ComfyUI switch', () => {
  let app: TestApp | undefined;
  const sims: ComfySim[] = [];

  afterEach(async () => {
    await app?.close();
    app = undefined;
    for (const sim of sims.splice(0)) await sim.close();
  });

  it('answers health while off and 503 comfy.disabled on every other route', async () => {
    app = await createTestApp();
    const user = await app.login('user');
    expect(await health(app, user)).toEqual({ status: 'ok', enabled: false });
    await app.request.get('/api/comfy/health').expect(401);

    const calls = [
      app.request.post('/api/comfy/queue').send({ workflow: quickWorkflow() }),
      app.request.post('/api/comfy/txt2img').send({ caption: 'a cat' }),
      app.request.get('/api/comfy/status/abc'),
      app.request.post('/api/comfy/cancel/abc'),
      app.request.get('/api/comfy/history/abc'),
      app.request.get('/api/comfy/jobs'),
      app.request.get('/api/comfy/object-info'),
      app.request.get('/api/comfy/view?filename=a.png'),
      app.request.get('/api/comfy/stream/abc'),
    ];
    for (const call of calls) {
      const response = await call.set(user.bearer);
      expect(response.status).toBe(503);
      expect(response.body).toMatchObject({ code: 'comfy.disabled' });
    }
  });

  it('wires and unwires at once when an admin toggles it or changes the URL', async () => {
    const first = await startComfySim({ port: 0, stepMs: 5 });
    const second = await startComfySim({ port: 0, stepMs: 5 });
    sims.push(first, second);
    app = await createTestApp({ env: comfyEnv(first.url, { COMFY_ENABLED: 'false', ...usersQueueGraphs }) });
    const admin = await app.login('admin');
    const user = await app.login('user');
    const patch = (body: Record<string, unknown>) =>
      app!.request.patch('/api/admin/config').set(admin.bearer).send(body).expect(200);
    const queue = () =>
      app!.request.post('/api/comfy/queue').set(user.bearer).send({ workflow: quickWorkflow() });

    expect((await queue()).status).toBe(503);
    expect(existsSync(app.config.comfy.imageDir)).toBe(false);

    await patch({ comfy_enabled: true });
    expect(existsSync(app.config.comfy.imageDir)).toBe(true);
    const onFirst = await queue().expect(201);
    const firstId = (onFirst.body as { prompt_id: string }).prompt_id;
    await waitFor(
      () => statusOf(app!, user, firstId),
      (s) => s.status === 'succeeded',
    );
    expect(await simKnows(first, firstId)).toBe(true);

    await patch({ comfy_api_url: second.url });
    const onSecond = await queue().expect(201);
    const secondId = (onSecond.body as { prompt_id: string }).prompt_id;
    await waitFor(
      () => statusOf(app!, user, secondId),
      (s) => s.status === 'succeeded',
    );
    expect(await simKnows(second, secondId)).toBe(true);
    expect(await simKnows(first, secondId)).toBe(false);
    const rewired = await waitFor(
      () => health(app!, admin),
      (h) => h.info?.comfy.state === 'up',
    );
    expect(rewired.info).toMatchObject({
      base_url: second.url,
      client_wired: true,
      comfy: { socket: 'open' },
    });

    await patch({ comfy_enabled: false });
    expect((await queue()).status).toBe(503);
    expect(await health(app, user)).toEqual({ status: 'ok', enabled: false });
  });
});

describe('who sees what', () => {
  let harness: ComfyHarness | undefined;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('tells users and curators the state only, never ComfyUI’s address or errors; admins everything', async () => {
    harness = await startComfyHarness({ simDown: true });
    const { app, sim } = harness;
    const address = new URL(sim.url);
    const admin = await app.login('admin');
    await waitFor(
      () => health(app, admin),
      (h) => h.info?.comfy.state === 'down' && h.info.comfy.last_error !== null,
    );
    for (const role of ['user', 'curator'] as const) {
      const session = await app.login(role);
      const response = await app.request.get('/api/comfy/health').set(session.bearer).expect(200);
      expect(response.body).toEqual({
        status: 'ok',
        enabled: true,
        state: 'down',
        queue_remaining: null,
        backends: [defaultBackend({ state: 'down' })],
      });
      expect(response.text).not.toContain(address.host);
      expect(response.text).not.toContain(address.port);
    }
    const full = await health(app, admin);
    expect(full).toMatchObject({ enabled: true, state: 'down', info: { base_url: sim.url } });
    expect(full.info?.comfy.last_error).toMatch(/unreachable/i);

    // Errors of other routes do not name it either (a queued job just waits now: ask for what needs ComfyUI).
    const curator = await app.login('curator');
    const refused = await app.request.get('/api/comfy/object-info').set(curator.bearer);
    expect(refused.body).toMatchObject({ code: 'comfy.unreachable' });
    expect(refused.text).not.toContain(address.host);
    expect(refused.text).not.toContain(address.port);

    await sim.comeBack();
    const user = await app.login('user');
    const up = await waitFor(
      () => health(app, user),
      (h) => h.state === 'up',
    );
    expect(up).toEqual({
      status: 'ok',
      enabled: true,
      state: 'up',
      queue_remaining: 0,
      backends: [defaultBackend({ state: 'up', queue_remaining: 0 })],
    });
  });
});

describe('the watchdog', () => {
  let harness: ComfyHarness | undefined;

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('boots with ComfyUI down, reports it, and reports it up once it answers', async () => {
    harness = await startComfyHarness({ simDown: true });
    const { app, sim } = harness;
    // The details are for admins (a plain user gets the state only: see 'who sees what').
    const admin = await app.login('admin');
    const down = await waitFor(
      () => health(app, admin),
      (h) => h.info?.comfy.state === 'down',
    );
    expect(down.info).toMatchObject({ client_wired: true, timeout: 5, comfy: { version: null } });
    expect(down.info?.comfy.last_error).toMatch(/unreachable/i);

    await sim.comeBack();
    const up = await waitFor(
      () => health(app, admin),
      (h) => h.info?.comfy.state === 'up',
    );
    expect(up.info?.comfy).toMatchObject({
      version: 'v0.3.7-34-gcc550d59',
      last_error: null,
      queue_remaining: 0,
      socket: 'open',
    });
    expect(up.info?.comfy.devices[0]).toMatchObject({ name: 'cpu', type: 'cpu' });
    expect(up.info?.comfy.latency_ms).toBeGreaterThanOrEqual(0);
  });

  it('is degraded while HTTP answers and the socket is refused, up again after', async () => {
    harness = await startComfyHarness();
    const { app, sim } = harness;
    const admin = await app.login('admin');
    await waitFor(
      () => health(app, admin),
      (h) => h.info?.comfy.state === 'up',
    );

    sim.setFaults({ rejectWebSocket: true });
    sim.dropSockets();
    const degraded = await waitFor(
      () => health(app, admin),
      (h) => h.info?.comfy.state === 'degraded',
    );
    expect(degraded.info?.comfy.last_error).toMatch(/WebSocket/);

    sim.clearFaults();
    await waitFor(
      () => health(app, admin),
      (h) => h.info?.comfy.state === 'up' && h.info.comfy.socket === 'open',
    );
  });

  it('marks a job ComfyUI lost in a restart as lost, not running forever', async () => {
    // 150 steps (the cap on every graph) at 27 ms: still running for about 4 s.
    harness = await startComfyHarness({ sim: { stepMs: 27 }, env: usersQueueGraphs });
    const { app, sim } = harness;
    const user = await app.login('user');
    const queued = await app.request
      .post('/api/comfy/queue')
      .set(user.bearer)
      .send({ workflow: samplerWorkflow(150) })
      .expect(201);
    const promptId = (queued.body as { prompt_id: string }).prompt_id;
    await waitFor(
      () => statusOf(app, user, promptId),
      (s) => s.status === 'running',
    );

    await sim.goDown();
    await waitFor(
      () => health(app, user),
      (h) => h.state === 'down',
    );
    expect((await statusOf(app, user, promptId)).status).toBe('running');

    await sim.comeBack();
    const lost = await waitFor(
      () => statusOf(app, user, promptId),
      (s) => s.status === 'lost',
    );
    expect(lost.error).toMatchObject({ code: 'comfy.job_lost' });
    // The status comes from the tracker, the list from the ledger once its writes landed (on Postgres a
    // round trip or two later).
    const jobs = await waitFor(
      async () =>
        (await app.request.get('/api/comfy/jobs').set(user.bearer).expect(200)).body as JobListResponse,
      (list) => list.items.some((job) => job.prompt_id === promptId && job.finished_at !== null),
    );
    // Newest first: the lost job's automatic retry (its owner did not switch it off) comes before it.
    const lostRow = jobs.items.find((job) => job.prompt_id === promptId);
    expect(lostRow).toMatchObject({ status: 'lost' });
    expect(lostRow?.finished_at).not.toBeNull();
    expect(jobs.items.filter((job) => job.retry_of === promptId)).toHaveLength(1);
    await waitFor(
      () => health(app, user),
      (h) => h.state === 'up',
    );
  });

  it('keeps a finished job in the ledger after ComfyUI forgets it', async () => {
    harness = await startComfyHarness({ env: usersQueueGraphs });
    const { app, sim } = harness;
    const user = await app.login('user');
    const queued = await app.request
      .post('/api/comfy/queue')
      .set(user.bearer)
      .send({ workflow: quickWorkflow() });
    const promptId = (queued.body as { prompt_id: string }).prompt_id;
    const done = await waitFor(
      () => statusOf(app, user, promptId),
      (s) => s.status === 'succeeded',
    );

    await sim.restart();
    expect(await simKnows(sim, promptId)).toBe(false);
    await app.restart();
    const session = await app.login('user');
    expect(await statusOf(app, session, promptId)).toEqual(done);
  });

  it('reconciles jobs that finished while the API was stopped', async () => {
    harness = await startComfyHarness({ sim: { stepMs: 20 }, env: usersQueueGraphs });
    const { app } = harness;
    const user = await app.login('user');
    const queued = await app.request
      .post('/api/comfy/queue')
      .set(user.bearer)
      .send({ workflow: samplerWorkflow(15) })
      .expect(201);
    const promptId = (queued.body as { prompt_id: string }).prompt_id;
    await waitFor(
      () => statusOf(app, user, promptId),
      (s) => s.status === 'running',
    );
    // Restart with the integration off: nobody follows the job while it finishes in ComfyUI.
    await app.restart({ env: comfyEnv(harness.sim.url, { COMFY_ENABLED: 'false' }) });
    await new Promise((resolve) => setTimeout(resolve, 600));
    await app.restart({ env: comfyEnv(harness.sim.url) });
    const session = await app.login('user');
    const done = await waitFor(
      () => statusOf(app, session, promptId),
      (s) => s.status === 'succeeded',
    );
    expect(done.images?.[0]).toMatchObject({ type: 'output', subfolder: 'atelier' });
  });
});
