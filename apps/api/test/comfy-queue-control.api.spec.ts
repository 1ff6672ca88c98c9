import type {
  ComfyCancelResponse,
  JobListResponse,
  JobPatchResponse,
  JobSummary,
  QueueRetryResponse,
  QueueStateResponse,
} from '@atelier/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  quickWorkflow,
  samplerWorkflow,
  SseClient,
  simJson,
  startComfyHarness,
  usersQueueGraphs,
  waitFor,
  type ComfyHarness,
} from './comfy-kit.js';
import { listBackends } from './comfy-pool-kit.js';
import { queueClient, startOrder } from './comfy-queue-kit.js';
import type { TestApp, TestSession } from './test-app.js';

let harness: ComfyHarness;
let app: TestApp;
let user: TestSession;
let other: TestSession;
let q: ReturnType<typeof queueClient>;

beforeEach(async () => {
  harness = await startComfyHarness({ sim: { stepMs: 10 }, env: usersQueueGraphs });
  app = harness.app;
  q = queueClient(app);
  user = await app.login('user');
  other = await app.login('user', 'other-user');
});

afterEach(async () => {
  await harness.close();
});

const succeeded = (session: TestSession, promptId: string) =>
  waitFor(
    () => q.status(session, promptId),
    (s) => s.status === 'succeeded',
    { timeoutMs: 15_000 },
  );

/** Someone else's job runs to the end: whatever the dispatcher would have posted by then, it has. */
async function dispatcherHadItsChance(): Promise<void> {
  await succeeded(other, await q.submitId(other, quickWorkflow('atelier/other')));
}

describe('pausing one queue', () => {
  it("keeps the owner's jobs in Atelier until resumed, while others' run", async () => {
    const paused = (await q.pause(user).expect(200)).body as QueueStateResponse;
    expect(paused).toMatchObject({ paused: true, all_paused: false, auto_retry: true, waiting: 0 });
    const first = await q.submit(user, quickWorkflow());
    const second = await q.submitId(user, quickWorkflow());
    expect(await q.status(user, first.prompt_id)).toMatchObject({ status: 'waiting', waiting_position: 1 });

    await dispatcherHadItsChance();
    expect(await q.status(user, second)).toMatchObject({ status: 'waiting', waiting_position: 2 });
    expect(await simJson(harness.sim, `/history/${first.prompt_id}`)).toEqual({});
    expect(await q.state(user)).toMatchObject({ paused: true, waiting: 2, running: 0 });

    const resumed = (await q.resume(user).expect(200)).body as QueueStateResponse;
    expect(resumed.paused).toBe(false);
    await succeeded(user, first.prompt_id);
    await succeeded(user, second);
    // A status comes from the tracker as the job ends, the counts from the ledger once its write landed
    // (on Postgres a round trip later).
    const state = await waitFor(
      () => q.state(user),
      (now) => now.running === 0,
    );
    expect(state).toMatchObject({ paused: false, waiting: 0, running: 0 });
  });

  it('lets each user switch automatic retry of lost jobs', async () => {
    const off = await app.request
      .patch('/api/comfy/queue')
      .set(user.bearer)
      .send({ auto_retry: false })
      .expect(200);
    expect((off.body as QueueStateResponse).auto_retry).toBe(false);
    expect((await q.state(other)).auto_retry).toBe(true);
    await app.request.patch('/api/comfy/queue').set(user.bearer).send({ auto_retry: 'no' }).expect(400);
    await app.request.patch('/api/comfy/queue').set(user.bearer).send({}).expect(400);
  });
});

describe('PATCH /api/comfy/jobs/:promptId', () => {
  it('reorders waiting jobs, and they run in the new order', async () => {
    await q.pause(user).expect(200);
    const [a, b, c] = [
      await q.submitId(user, quickWorkflow('atelier/a')),
      await q.submitId(user, quickWorkflow('atelier/b')),
      await q.submitId(user, quickWorkflow('atelier/c')),
    ];
    const top = (await q.move(user, c, 'top').expect(200)).body as JobPatchResponse;
    expect(top).toEqual({ prompt_id: c, status: 'waiting', waiting_position: 1 });
    await q.move(user, a, 3).expect(200);
    const listed = (await q.waiting(user)).items;
    expect(listed.map((job) => [job.prompt_id, job.waiting_position])).toEqual([
      [c, 1],
      [b, 2],
      [a, 3],
    ]);
    await q.move(user, a, 'top').expect(200);
    await q.move(user, b, 'bottom').expect(200);
    expect((await q.waiting(user)).items.map((job) => job.prompt_id)).toEqual([a, c, b]);

    await q.resume(user).expect(200);
    for (const id of [a, b, c]) await succeeded(user, id);
    const order = (await startOrder(harness.sim)).map((entry) => entry.promptId);
    expect(order).toEqual([a, c, b]);
  });

  it('pages the waiting list by place in the queue', async () => {
    await q.pause(user).expect(200);
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push(await q.submitId(user, quickWorkflow(`atelier/p${i}`)));
    await q.move(user, ids[2]!, 'top').expect(200);
    const page = async (cursor?: string) =>
      (
        await app.request
          .get(`/api/comfy/jobs?status=waiting&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
          .set(user.bearer)
          .expect(200)
      ).body as JobListResponse;
    const first = await page();
    expect(first.items.map((job) => job.prompt_id)).toEqual([ids[2], ids[0]]);
    const second = await page(first.next_cursor!);
    expect(second.items.map((job) => [job.prompt_id, job.waiting_position])).toEqual([[ids[1], 3]]);
    expect(second.next_cursor).toBeNull();
  });

  it('moves only waiting jobs of the caller (or any, for an admin), to a valid place', async () => {
    await q.pause(user).expect(200);
    const waiting = await q.submitId(user, quickWorkflow());
    expect((await q.move(other, waiting, 'top').expect(404)).body).toMatchObject({
      code: 'comfy.job_not_found',
    });
    const admin = await app.login('admin');
    await q.move(admin, waiting, 'bottom').expect(200);
    for (const bad of [0, -1, 1.5, 'middle', null, '2']) {
      expect((await q.move(user, waiting, bad).expect(400)).body).toMatchObject({
        code: 'validation_failed',
      });
    }
    const ran = await q.submitId(other, quickWorkflow());
    await succeeded(other, ran);
    expect((await q.move(other, ran, 'top').expect(409)).body).toMatchObject({ code: 'conflict' });
  });
});

describe('the stream of a waiting job', () => {
  it('says waiting, then follows the job once a backend has it, to the end', async () => {
    await q.pause(user).expect(200);
    const promptId = await q.submitId(user, quickWorkflow());
    const client = await SseClient.open(`${app.url}/api/comfy/stream/${promptId}`, { Cookie: user.cookie });
    try {
      const first = await client.until((events) => events.some((e) => e.event === 'status'));
      expect(first.find((e) => e.event === 'status')?.data).toMatchObject({
        prompt_id: promptId,
        status: 'waiting',
      });
      // Subscribing must not make the tracker look for it in ComfyUI (where it would be `lost`).
      await dispatcherHadItsChance();
      expect(await q.status(user, promptId)).toMatchObject({ status: 'waiting' });
      await q.resume(user).expect(200);
      const events = await client.finished(15_000);
      const statuses = events
        .filter((e) => e.event === 'status')
        .map((e) => (e.data as { status: string }).status);
      expect(statuses[0]).toBe('waiting');
      expect(statuses).toContain('queued');
      expect(events.at(-1)).toMatchObject({ event: 'done', data: { status: 'succeeded' } });
    } finally {
      client.close();
    }
  });
});

describe('cancelling a waiting job', () => {
  it('ends it as interrupted without a call to ComfyUI', async () => {
    await q.pause(user).expect(200);
    const promptId = await q.submitId(user, quickWorkflow());
    const cancelled = (await q.cancel(user, promptId).expect(200)).body as ComfyCancelResponse;
    expect(cancelled).toEqual({ prompt_id: promptId, action: 'deleted', status: 'interrupted' });
    expect(await q.status(user, promptId)).toMatchObject({ status: 'interrupted' });
    await q.resume(user).expect(200);
    await dispatcherHadItsChance();
    expect(await simJson(harness.sim, `/history/${promptId}`)).toEqual({});
    expect(await q.status(user, promptId)).toMatchObject({ status: 'interrupted' });
  });
});

describe('cancelling a job while it is being posted', () => {
  it('wins: the job ends interrupted and ComfyUI drops it from its queue unrun', async () => {
    // Someone else's long job runs, so ours would wait in ComfyUI's queue behind it…
    const blocker = await q.submitId(other, samplerWorkflow(150, 'blocker'));
    await waitFor(
      () => q.status(other, blocker),
      (s) => s.status === 'running',
    );
    // …and ComfyUI takes its time to answer POST /prompt: the post is on its way when the cancel comes.
    harness.sim.setFaults({ delayMs: 1500, pathPrefix: '/prompt' });
    const submitting = app.request
      .post('/api/comfy/queue')
      .set(user.bearer)
      .send({ workflow: quickWorkflow() });
    const pending = submitting.then((response) => response);
    const [row] = await waitFor(
      async () =>
        ((await app.request.get('/api/comfy/jobs?mine=1').set(user.bearer)).body as JobListResponse).items,
      (items) => items.length === 1,
    );
    const promptId = row!.prompt_id;
    const cancelled = (await q.cancel(user, promptId).expect(200)).body as ComfyCancelResponse;
    expect(cancelled).toEqual({ prompt_id: promptId, action: 'deleted', status: 'interrupted' });
    expect((await pending).status).toBe(201);
    harness.sim.clearFaults();
    harness.sim.setStepMs(1);

    await succeeded(other, blocker);
    await dispatcherHadItsChance();
    expect(await simJson(harness.sim, `/history/${promptId}`)).toEqual({});
    expect(await q.status(user, promptId)).toMatchObject({ status: 'interrupted' });
  });
});

describe('POST /api/comfy/jobs/:promptId/retry', () => {
  it('queues an interrupted job again as a new job linked to it, and runs it', async () => {
    await q.pause(user).expect(200);
    const first = await q.submitId(user, quickWorkflow());
    await q.cancel(user, first).expect(200);
    await q.resume(user).expect(200);

    const retried = (await q.retry(user, first).expect(201)).body as QueueRetryResponse;
    expect(retried.retry_of).toBe(first);
    expect(retried.prompt_id).not.toBe(first);
    await succeeded(user, retried.prompt_id);
    const listed = (await app.request.get('/api/comfy/jobs').set(user.bearer).expect(200)).body as {
      items: Array<{ prompt_id: string; retry_of: string | null; status: string }>;
    };
    expect(listed.items.find((job) => job.prompt_id === retried.prompt_id)).toMatchObject({
      retry_of: first,
      status: 'succeeded',
    });
    expect(listed.items.find((job) => job.prompt_id === first)).toMatchObject({
      retry_of: null,
      status: 'interrupted',
    });
  });

  it('refuses jobs that did not fail, and others’ jobs', async () => {
    const done = await q.submitId(user, quickWorkflow());
    await succeeded(user, done);
    expect((await q.retry(user, done).expect(409)).body).toMatchObject({ code: 'conflict' });
    await q.retry(other, done).expect(404);
    await q.retry(user, '00000000-0000-4000-8000-000000000000').expect(404);
  });
});

describe('pausing everything (admins)', () => {
  it('holds every queue until an admin resumes, and only admins may', async () => {
    const admin = await app.login('admin');
    expect((await q.pause(user, true).expect(403)).body).toMatchObject({ code: 'auth.forbidden' });
    const paused = (await q.pause(admin, true).expect(200)).body as QueueStateResponse;
    expect(paused.all_paused).toBe(true);
    const config = await app.request.get('/api/admin/config').set(admin.bearer).expect(200);
    expect(config.body).toMatchObject({ settings: { comfy_queue_paused: { value: true, source: 'admin' } } });

    const held = await q.submitId(user, quickWorkflow());
    const alsoHeld = await q.submitId(other, quickWorkflow());
    expect(await q.state(user)).toMatchObject({ all_paused: true, paused: false, waiting: 1 });
    await q.resume(user).expect(200); // one's own resume does not lift the admin's pause
    expect(await q.status(user, held)).toMatchObject({ status: 'waiting' });

    await q.resume(admin, true).expect(200);
    await succeeded(user, held);
    await succeeded(other, alsoHeld);
  });
});

describe('a restart with waiting jobs', () => {
  it('asks the backend a job was being posted to before posting it again', async () => {
    const admin = await app.login('admin');
    await q.pause(admin, true).expect(200);
    const promptId = await q.submitId(user, quickWorkflow());
    // As if the API died after its POST reached ComfyUI, before it wrote down that it had.
    const backends = await listBackends(app, admin);
    await app.sql(`UPDATE "comfy_jobs" SET "backend_id" = ? WHERE "prompt_id" = ?`, [
      backends[0]!.id,
      promptId,
    ]);
    const landed = await fetch(`${harness.sim.url}/prompt`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: quickWorkflow(), prompt_id: promptId, client_id: 'before-the-crash' }),
    });
    expect(landed.status).toBe(200);
    // A second POST /prompt would fail: the job can only succeed by being found where it went.
    harness.sim.setFaults({ error500: true, pathPrefix: '/prompt' });
    await app.restart();
    await q.resume(await app.login('admin'), true).expect(200);
    await succeeded(await app.login('user'), promptId);
    harness.sim.clearFaults();
  });

  it('still dispatches them', async () => {
    const admin = await app.login('admin');
    await q.pause(admin, true).expect(200);
    const ids = [await q.submitId(user, quickWorkflow()), await q.submitId(user, quickWorkflow())];
    await app.restart();
    const again = await app.login('admin');
    const userAgain = await app.login('user');
    expect(await q.status(userAgain, ids[0]!)).toMatchObject({ status: 'waiting', waiting_position: 1 });
    await q.resume(again, true).expect(200);
    for (const id of ids) await succeeded(userAgain, id);
  });
});

describe('a job ComfyUI loses', () => {
  async function loseRunningJob(): Promise<string> {
    const promptId = await q.submitId(user, samplerWorkflow(150));
    await waitFor(
      () => q.status(user, promptId),
      (s) => s.status === 'running',
    );
    await harness.sim.restart();
    await waitFor(
      () => q.status(user, promptId),
      (s) => s.status === 'lost',
      { timeoutMs: 20_000 },
    );
    return promptId;
  }

  async function listed(): Promise<JobSummary[]> {
    return ((await app.request.get('/api/comfy/jobs').set(user.bearer).expect(200)).body as JobListResponse)
      .items;
  }

  it('is queued again once, automatically, linked to the lost one', async () => {
    harness.sim.setStepMs(10);
    const lost = await loseRunningJob();
    harness.sim.setStepMs(1);
    const retry = await waitFor(listed, (items) => items.some((job) => job.retry_of === lost));
    const created = retry.find((job) => job.retry_of === lost)!;
    await succeeded(user, created.prompt_id);
    expect((await listed()).filter((job) => job.retry_of !== null)).toHaveLength(1);
  });

  it('stays lost when its owner switched automatic retry off', async () => {
    await app.request.patch('/api/comfy/queue').set(user.bearer).send({ auto_retry: false }).expect(200);
    const lost = await loseRunningJob();
    await dispatcherHadItsChance();
    expect((await listed()).map((job) => job.prompt_id)).toEqual([lost]);
  });
});
