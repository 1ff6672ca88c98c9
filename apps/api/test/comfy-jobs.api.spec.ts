import type {
  ComfyCancelResponse,
  ComfyHistoryResponse,
  ComfyQueueResponse,
  ComfyStatusResponse,
  JobListResponse,
} from '@atelier/contract';
import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WaitingJobsRepository } from '../src/comfy/waiting-jobs.repository.js';
import {
  quickWorkflow,
  samplerWorkflow,
  simJson,
  startComfyHarness,
  waitFor,
  type ComfyHarness,
  usersQueueGraphs,
} from './comfy-kit.js';
import type { TestApp, TestSession } from './test-app.js';

const uuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A UI-format workflow (what the ComfyUI editor saves): EmptyImage → SaveImage. */
const uiWorkflow = {
  last_node_id: 2,
  last_link_id: 1,
  nodes: [
    {
      id: 1,
      type: 'EmptyImage',
      pos: [0, 0],
      size: [315, 130],
      flags: {},
      order: 0,
      mode: 0,
      inputs: [],
      outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [1] }],
      properties: { 'Node name for S&R': 'EmptyImage' },
      widgets_values: [64, 48, 1, 0],
    },
    {
      id: 2,
      type: 'SaveImage',
      pos: [400, 0],
      size: [315, 270],
      flags: {},
      order: 1,
      mode: 0,
      inputs: [{ name: 'images', type: 'IMAGE', link: 1 }],
      outputs: [],
      properties: {},
      widgets_values: ['atelier/ui'],
    },
  ],
  links: [[1, 1, 0, 2, 0, 'IMAGE']],
  groups: [],
  config: {},
  extra: {},
  version: 0.4,
};

let harness: ComfyHarness;
let app: TestApp;
let user: TestSession;

beforeEach(async () => {
  harness = await startComfyHarness({ sim: { stepMs: 10 }, env: usersQueueGraphs });
  app = harness.app;
  user = await app.login('user');
});

afterEach(async () => {
  await harness.close();
});

function queue(session: TestSession, body: Record<string, unknown>, key?: string) {
  const call = app.request.post('/api/comfy/queue').set(session.bearer);
  if (key) call.set('Idempotency-Key', key);
  return call.send(body);
}

async function queueOk(session: TestSession, workflow: Record<string, unknown>): Promise<string> {
  const response = await queue(session, { workflow }).expect(201);
  return (response.body as ComfyQueueResponse).prompt_id;
}

async function status(session: TestSession, promptId: string): Promise<ComfyStatusResponse> {
  return (await app.request.get(`/api/comfy/status/${promptId}`).set(session.bearer).expect(200))
    .body as ComfyStatusResponse;
}

async function jobs(session: TestSession, query = ''): Promise<JobListResponse> {
  return (await app.request.get(`/api/comfy/jobs${query}`).set(session.bearer).expect(200))
    .body as JobListResponse;
}

interface SimQueue {
  queue_running: unknown[][];
  queue_pending: unknown[][];
}

describe('POST /api/comfy/queue', () => {
  it('queues under our own prompt id and the backend client id, and runs to success', async () => {
    const response = await queue(user, { workflow: quickWorkflow(), client_id: 'browser-tab-1' }).expect(201);
    const body = response.body as ComfyQueueResponse;
    expect(body.prompt_id).toMatch(uuidV4);
    expect(body.client_id).toBe('browser-tab-1');

    const done = await waitFor(
      () => status(user, body.prompt_id),
      (s) => s.status === 'succeeded',
    );
    expect(done.images).toEqual([
      { filename: expect.stringMatching(/^test_\d+_\.png$/), subfolder: 'atelier', type: 'output' },
    ]);
    const history = (await simJson(harness.sim, `/history/${body.prompt_id}`)) as Record<
      string,
      { prompt: unknown[] }
    >;
    const extraData = history[body.prompt_id]?.prompt[3] as Record<string, unknown>;
    expect(extraData.client_id).toMatch(/^atelier-/);
    expect(extraData.client_id).not.toBe('browser-tab-1');
  });

  it("adopts ComfyUI's own prompt id when the server ignores ours (ComfyUI v0.3.7 does)", async () => {
    await harness.close();
    harness = await startComfyHarness({
      sim: { stepMs: 10, honourPromptId: false },
      env: usersQueueGraphs,
    });
    app = harness.app;
    user = await app.login('user');

    const promptId = await queueOk(user, quickWorkflow());
    const simHistory = await waitFor(
      () => simJson(harness.sim, '/history') as Promise<Record<string, unknown>>,
      (all) => Object.keys(all).length === 1,
    );
    expect(Object.keys(simHistory)).toEqual([promptId]);
    const done = await waitFor(
      () => status(user, promptId),
      (s) => s.status === 'succeeded',
    );
    expect(done.images).toHaveLength(1);
    expect((await jobs(user)).items.map((job) => job.prompt_id)).toEqual([promptId]);
  });

  it('ignores number, front, prompt_id and extra_data from the caller', async () => {
    const blocker = await queueOk(user, samplerWorkflow(100));
    await waitFor(
      () => status(user, blocker),
      (s) => s.status === 'running',
    );
    const response = await queue(user, {
      workflow: quickWorkflow(),
      number: -50,
      front: true,
      prompt_id: 'my-own-id',
      extra_data: { extra_pnginfo: { sneaky: true } },
    }).expect(201);
    const promptId = (response.body as ComfyQueueResponse).prompt_id;
    expect(promptId).toMatch(uuidV4);

    const simQueue = (await simJson(harness.sim, '/queue')) as SimQueue;
    const item = simQueue.queue_pending.find((entry) => entry[1] === promptId);
    expect(item).toBeDefined();
    expect(item?.[0]).toBeGreaterThanOrEqual(0);
    expect(item?.[3]).toEqual({ client_id: expect.stringMatching(/^atelier-/) });
    expect(simQueue.queue_pending.some((entry) => entry[1] === 'my-own-id')).toBe(false);
  });

  it("answers ComfyUI's validation errors with 400 comfy.invalid_workflow and keeps no job", async () => {
    const broken = {
      '1': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: 0 } },
      '2': { class_type: 'SaveImage', inputs: { filename_prefix: 'x' } },
    };
    const response = await queue(user, { workflow: broken }).expect(400);
    expect(response.body).toMatchObject({
      code: 'comfy.invalid_workflow',
      details: {
        error: { type: 'prompt_outputs_failed_validation' },
        node_errors: {
          '2': {
            class_type: 'SaveImage',
            errors: [{ type: 'required_input_missing', input_name: 'images' }],
          },
        },
      },
    });
    expect(JSON.stringify(response.body)).not.toContain('Traceback');
    expect((await jobs(user)).items).toEqual([]);
  });

  it('rejects bodies that are not an API-format prompt object', async () => {
    const bad: unknown[] = [null, 'a string', [quickWorkflow()], 42, { a: 1 }, {}];
    for (const workflow of bad) {
      const response = await queue(user, { workflow });
      expect(response.status, JSON.stringify(workflow)).toBe(400);
      expect(response.body).toMatchObject({ code: 'validation_failed' });
    }
    await queue(user, {}).expect(400);
    const huge: Record<string, unknown> = {};
    for (let i = 0; i < 2001; i++) huge[String(i)] = { class_type: 'EmptyImage', inputs: {} };
    const tooLarge = await queue(user, { workflow: huge }).expect(400);
    expect(tooLarge.body).toMatchObject({ details: { workflow: [expect.stringContaining('2000')] } });
    await queue(user, { workflow: quickWorkflow(), client_id: 7 }).expect(400);
    expect((await jobs(user)).items).toEqual([]);
  });

  it('converts a UI-format workflow, and answers 422 when it cannot', async () => {
    const response = await queue(user, { workflow: uiWorkflow }).expect(201);
    const promptId = (response.body as ComfyQueueResponse).prompt_id;
    const done = await waitFor(
      () => status(user, promptId),
      (s) => s.status === 'succeeded',
    );
    expect(done.images?.[0]?.filename).toMatch(/^ui_\d+_\.png$/);

    const unknownNode = {
      ...uiWorkflow,
      nodes: [{ ...uiWorkflow.nodes[0], type: 'NoSuchNode' }, uiWorkflow.nodes[1]],
    };
    const failed = await queue(user, { workflow: unknownNode }).expect(422);
    expect(failed.body).toMatchObject({
      code: 'comfy.conversion_failed',
      details: { issues: expect.any(Array) },
    });
  });

  it('is idempotent per user with an Idempotency-Key', async () => {
    const body = { workflow: quickWorkflow() };
    const first = await queue(user, body, 'retry-me').expect(201);
    const again = await queue(user, body, 'retry-me').expect(201);
    expect(again.body).toEqual(first.body);
    await queue(user, { workflow: quickWorkflow('atelier/other') }, 'retry-me').expect(409);

    const other = await app.login('user', 'someone-else');
    const theirs = await queue(other, body, 'retry-me').expect(201);
    expect((theirs.body as ComfyQueueResponse).prompt_id).not.toBe(
      (first.body as ComfyQueueResponse).prompt_id,
    );
    expect((await jobs(user)).items).toHaveLength(1);
    await queue(user, body, 'bad key with spaces').expect(400);
  });

  it('records a prompt id or an idempotency key once: a second insert (two same-key requests racing) gets null', async () => {
    // Requests on one event loop rarely race here, so the ledger's insert is asked directly.
    const waiting = app.nest.get(WaitingJobsRepository);
    const job = {
      promptId: randomUUID(),
      ownerId: user.user.id,
      ownerRole: user.user.role,
      kind: 'workflow' as const,
      comfyClientId: 'atelier-test',
      callerClientId: null,
      idempotencyKey: 'raced',
      requestHash: 'h',
      workflow: quickWorkflow(),
      params: null,
      templateId: null,
      templateVersion: null,
    };
    const first = await waiting.insert(job);
    expect(first).toMatchObject({ promptId: job.promptId, status: 'waiting', attempt: 1, backendId: null });
    expect(first?.createdAt).toBeInstanceOf(Date);
    expect(await waiting.insert({ ...job, idempotencyKey: 'another' })).toBeNull();
    expect(await waiting.insert({ ...job, promptId: randomUUID() })).toBeNull();
    const again = await queue(user, { workflow: quickWorkflow() }, 'raced').expect(409);
    expect(again.body).toMatchObject({ code: 'conflict', details: { prompt_id: job.promptId } });
  });

  it('keeps a job waiting while ComfyUI is down, posts it once it is back, and replays it for the same key', async () => {
    await harness.sim.goDown();
    const body = { workflow: quickWorkflow() };
    // Atelier holds the queue: an unreachable backend is no reason to refuse the job.
    const accepted = await queue(user, body, 'after-outage').expect(201);
    const promptId = (accepted.body as ComfyQueueResponse).prompt_id;
    expect(JSON.stringify(accepted.body)).not.toContain(harness.sim.url);
    expect(await status(user, promptId)).toMatchObject({ status: 'waiting', waiting_position: 1 });
    const again = await queue(user, body, 'after-outage').expect(201);
    expect((again.body as ComfyQueueResponse).prompt_id).toBe(promptId);

    await harness.sim.comeBack();
    await waitFor(
      () => status(user, promptId),
      (s) => s.status === 'succeeded',
      { timeoutMs: 20_000 },
    );
    const items = (await jobs(user)).items;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({
      prompt_id: promptId,
      backend: { id: expect.any(Number) },
      waiting_position: null,
    });
  });
});

describe('GET /api/comfy/status/:promptId', () => {
  it('reports the place in Atelier’s queue, then in ComfyUI’s, and progress while running', async () => {
    const running = await queueOk(user, samplerWorkflow(60));
    const first = await queueOk(user, quickWorkflow());
    const second = await queueOk(user, quickWorkflow());
    // One running and one prefetched in ComfyUI (comfy_prefetch = 1); the rest waits in Atelier.
    expect(await status(user, first)).toMatchObject({ status: 'queued', queue_position: 0 });
    expect(await status(user, second)).toMatchObject({ status: 'waiting', waiting_position: 1 });

    const progressing = await waitFor(
      () => status(user, running),
      (s) => s.status === 'running' && (s.progress?.value ?? 0) > 0,
    );
    expect(progressing.progress).toMatchObject({ max: 60, node: '3' });
    await waitFor(
      () => status(user, second),
      (s) => s.status === 'succeeded',
      { timeoutMs: 10_000 },
    );
  });

  it('shows users their own jobs, curators and admins everyone’s, and 404 otherwise', async () => {
    const promptId = await queueOk(user, quickWorkflow());
    const other = await app.login('user', 'other-user');
    const curator = await app.login('curator');
    const admin = await app.login('admin');
    const hidden = await app.request.get(`/api/comfy/status/${promptId}`).set(other.bearer).expect(404);
    expect(hidden.body).toMatchObject({ code: 'comfy.job_not_found' });
    await app.request.get(`/api/comfy/history/${promptId}`).set(other.bearer).expect(404);
    expect((await status(curator, promptId)).prompt_id).toBe(promptId);
    expect((await status(admin, promptId)).prompt_id).toBe(promptId);
    await app.request
      .get('/api/comfy/status/00000000-0000-4000-8000-000000000000')
      .set(user.bearer)
      .expect(404);
    await app.request.get('/api/comfy/status/bad%20id').set(user.bearer).expect(400);
    await app.request.get(`/api/comfy/status/${promptId}`).expect(401);
  });
});

describe('POST /api/comfy/cancel/:promptId', () => {
  it('removes a queued job and interrupts a running one', async () => {
    const running = await queueOk(user, samplerWorkflow(150));
    const waiting = await queueOk(user, quickWorkflow());
    await waitFor(
      () => status(user, running),
      (s) => s.status === 'running',
    );

    const removed = await app.request.post(`/api/comfy/cancel/${waiting}`).set(user.bearer).expect(200);
    expect(removed.body).toEqual({
      prompt_id: waiting,
      action: 'deleted',
      status: 'interrupted',
    } satisfies ComfyCancelResponse);
    expect(await status(user, waiting)).toMatchObject({ status: 'interrupted' });

    const interrupted = await app.request.post(`/api/comfy/cancel/${running}`).set(user.bearer).expect(200);
    expect(interrupted.body).toMatchObject({ action: 'interrupted' });
    await waitFor(
      () => status(user, running),
      (s) => s.status === 'interrupted',
    );

    // The removed job never ran.
    const history = (await simJson(harness.sim, `/history/${waiting}`)) as Record<string, unknown>;
    expect(history).toEqual({});
    const again = await app.request.post(`/api/comfy/cancel/${running}`).set(user.bearer).expect(200);
    expect(again.body).toEqual({ prompt_id: running, action: 'none', status: 'interrupted' });
  });

  it('lets only the owner or an admin cancel', async () => {
    const first = await queueOk(user, samplerWorkflow(150));
    const second = await queueOk(user, quickWorkflow());
    const other = await app.login('user', 'other-user');
    const curator = await app.login('curator');
    const admin = await app.login('admin');
    await app.request.post(`/api/comfy/cancel/${second}`).set(other.bearer).expect(404);
    const forbidden = await app.request.post(`/api/comfy/cancel/${second}`).set(curator.bearer).expect(403);
    expect(forbidden.body).toMatchObject({ code: 'auth.forbidden' });
    await app.request.post(`/api/comfy/cancel/${second}`).set(admin.bearer).expect(200);
    // Cookie-authenticated cancels need our Origin (CSRF).
    await app.request.post(`/api/comfy/cancel/${first}`).set('Cookie', user.cookie).expect(403);
    const byCookie = await app.request
      .post(`/api/comfy/cancel/${first}`)
      .set('Cookie', user.cookie)
      .set('Origin', app.origin)
      .expect(200);
    expect(byCookie.body).toMatchObject({ prompt_id: first });
  });
});

describe('GET /api/comfy/history/:promptId', () => {
  it('returns the outcome with sanitised execution messages', async () => {
    const ok = await queueOk(user, quickWorkflow());
    const failing = await queueOk(user, samplerWorkflow(2, 'SIM_FAIL please'));
    await waitFor(
      () => status(user, failing),
      (s) => s.status === 'failed',
    );

    const good = (await app.request.get(`/api/comfy/history/${ok}`).set(user.bearer).expect(200))
      .body as ComfyHistoryResponse;
    expect(good).toMatchObject({ prompt_id: ok, status: 'succeeded', images: [{ subfolder: 'atelier' }] });
    expect(good.items.map((item) => item.event)).toEqual(
      expect.arrayContaining(['execution_start', 'execution_success']),
    );

    const bad = (await app.request.get(`/api/comfy/history/${failing}`).set(user.bearer).expect(200))
      .body as ComfyHistoryResponse;
    expect(bad.status).toBe('failed');
    const error = bad.items.find((item) => item.event === 'execution_error');
    expect(error?.data).toMatchObject({ exception_type: 'RuntimeError', node_type: 'CLIPTextEncode' });
    expect(error?.data).not.toHaveProperty('traceback');
    expect(error?.data).not.toHaveProperty('current_inputs');
    expect(await status(user, failing)).toMatchObject({
      error: { exception_type: 'RuntimeError', node_type: 'CLIPTextEncode' },
    });
  });
});

describe('GET /api/comfy/jobs', () => {
  it('lists the ledger newest first with status, mine and cursor', async () => {
    const other = await app.login('user', 'other-user');
    const curator = await app.login('curator');
    const mine = [await queueOk(user, quickWorkflow()), await queueOk(user, quickWorkflow())];
    const failing = await queueOk(user, samplerWorkflow(1, 'SIM_FAIL'));
    const theirs = await queueOk(other, quickWorkflow());
    for (const id of [...mine, theirs])
      await waitFor(
        () => status(curator, id),
        (s) => s.status === 'succeeded',
      );
    await waitFor(
      () => status(user, failing),
      (s) => s.status === 'failed',
    );

    const own = await jobs(user, '?mine=0');
    expect(own.items.map((job) => job.prompt_id)).toEqual([failing, mine[1], mine[0]]);
    expect(own.items[0]).toMatchObject({
      kind: 'workflow',
      owner: { username: 'test-user' },
      status: 'failed',
    });

    const all = await jobs(curator);
    expect(all.items.map((job) => job.prompt_id)).toEqual([theirs, failing, mine[1], mine[0]]);
    expect((await jobs(curator, '?mine=1')).items).toEqual([]);
    expect((await jobs(curator, '?status=failed')).items.map((job) => job.prompt_id)).toEqual([failing]);

    const page1 = await jobs(curator, '?limit=2');
    expect(page1.items.map((job) => job.prompt_id)).toEqual([theirs, failing]);
    expect(page1.next_cursor).toEqual(expect.any(String));
    const page2 = await jobs(curator, `?limit=2&cursor=${page1.next_cursor}`);
    expect(page2.items.map((job) => job.prompt_id)).toEqual([mine[1], mine[0]]);
    expect(page2.next_cursor).toBeNull();

    await app.request.get('/api/comfy/jobs?status=bogus').set(user.bearer).expect(400);
    await app.request.get('/api/comfy/jobs?cursor=nonsense').set(user.bearer).expect(400);
    await app.request.get('/api/comfy/jobs?limit=1000').set(user.bearer).expect(400);
  });
});
