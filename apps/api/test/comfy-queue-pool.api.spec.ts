import type { ComfyQueueResponse, JobListResponse } from '@atelier/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { samplerWorkflow, waitFor } from './comfy-kit.js';
import { startComfyPool, withCheckpoint, type ComfyPool } from './comfy-pool-kit.js';
import { queueClient, simHolds, startOrder } from './comfy-queue-kit.js';

let pool: ComfyPool | undefined;

afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

/** The two-simulator pool (comfy-pool-kit.ts), closed after each test, with the queue routes' client. */
async function startPool(options: Parameters<typeof startComfyPool>[0] = {}) {
  pool = await startComfyPool(options);
  return { ...pool, q: queueClient(pool.app) };
}

const checkpoint = (name: string) => withCheckpoint(name, 2);

describe('routing by capability over two backends', () => {
  it('sends each graph to the backend that has its model, and refuses one neither has', async () => {
    const { app, q, first, second, firstId, secondId } = await startPool({
      models: [['alpha.safetensors'], ['beta.safetensors']],
    });
    const user = await app.login('user');
    const onSecond = await q.submitId(user, checkpoint('beta.safetensors'));
    const onFirst = await q.submitId(user, checkpoint('alpha.safetensors'));
    await q.succeeded(user, onSecond);
    await q.succeeded(user, onFirst);
    expect((await startOrder(second)).map((run) => run.promptId)).toEqual([onSecond]);
    expect((await startOrder(first)).map((run) => run.promptId)).toEqual([onFirst]);
    const items = (
      (await app.request.get('/api/comfy/jobs').set(user.bearer).expect(200)).body as JobListResponse
    ).items;
    expect(items.find((job) => job.prompt_id === onSecond)?.backend).toEqual({
      id: secondId,
      name: 'second',
    });
    expect(items.find((job) => job.prompt_id === onFirst)?.backend?.id).toBe(firstId);

    const refused = await app.request
      .post('/api/comfy/queue')
      .set(user.bearer)
      .send({ workflow: checkpoint('gamma.safetensors') })
      .expect(422);
    expect(refused.body).toMatchObject({ code: 'comfy.no_backend' });
    const lacks = (refused.body as { details: { backends: Record<string, string[]> } }).details.backends;
    expect(Object.keys(lacks)).toHaveLength(2);
    for (const missing of Object.values(lacks)) expect(missing.join(' ')).toContain('gamma.safetensors');
  });

  it('keeps a job waiting while the only backend that can run it is full, never sending it elsewhere', async () => {
    const { app, q, first, second } = await startPool({
      models: [['alpha.safetensors'], ['beta.safetensors']],
    });
    const user = await app.login('user');
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push(await q.submitId(user, checkpoint('beta.safetensors')));
    await waitFor(
      async () => {
        const holds = await simHolds(second);
        expect(holds.running.length + holds.pending.length).toBeLessThanOrEqual(2);
        return q.status(user, ids[ids.length - 1]!);
      },
      (s) => s.status === 'succeeded',
      { timeoutMs: 30_000, intervalMs: 10 },
    );
    expect(await startOrder(first)).toEqual([]);
    expect((await startOrder(second)).map((run) => run.promptId)).toEqual(ids);
  });
});

describe('two backends share the work', () => {
  it('uses both, never more than 1 + comfy_prefetch jobs on either', async () => {
    const { app, q, first, second } = await startPool();
    const user = await app.login('user');
    const ids: string[] = [];
    for (let i = 0; i < 10; i += 1) ids.push(await q.submitId(user, samplerWorkflow(6, `job ${i}`)));
    await waitFor(
      async () => {
        for (const sim of [first, second]) {
          const holds = await simHolds(sim);
          expect(holds.running.length + holds.pending.length).toBeLessThanOrEqual(2);
        }
        return Promise.all(ids.map((id) => q.status(user, id)));
      },
      (all) => all.every((s) => s.status === 'succeeded'),
      { timeoutMs: 60_000, intervalMs: 10 },
    );
    const ran = [...(await startOrder(first)), ...(await startOrder(second))].map((run) => run.promptId);
    expect(ran.sort()).toEqual([...ids].sort());
    expect((await startOrder(first)).length).toBeGreaterThan(0);
    expect((await startOrder(second)).length).toBeGreaterThan(0);
  });

  it("starts a light user's first job after at most one heavy job per backend", async () => {
    // Heavy jobs of about a second: much longer than a request takes, even on a busy machine.
    const { app, q, first, second } = await startPool({ stepMs: 25 });
    const heavy = await app.login('user', 'heavy');
    const light = await app.login('user', 'light');
    const heavyIds: string[] = [];
    for (let i = 0; i < 32; i += 1) heavyIds.push(await q.submitId(heavy, samplerWorkflow(40, `heavy ${i}`)));
    const submittedAt = Date.now();
    const lightId = (
      (
        await app.request
          .post('/api/comfy/queue')
          .set(light.bearer)
          .send({ workflow: samplerWorkflow(40, 'light') })
          .expect(201)
      ).body as ComfyQueueResponse
    ).prompt_id;
    await q.succeeded(light, lightId);
    // On the backend that ran it, heavy jobs that ran between its submission and its start: only the one
    // running then (the other backend's jobs ran beside it, they did not delay it).
    const [onFirst, onSecond] = [await startOrder(first), await startOrder(second)];
    const runs = onFirst.some((run) => run.promptId === lightId) ? onFirst : onSecond;
    const lightStart = runs.find((run) => run.promptId === lightId)!.startedAt;
    const heavyRanBetween = runs.filter(
      (run) => heavyIds.includes(run.promptId) && run.endedAt > submittedAt && run.startedAt < lightStart,
    );
    expect(heavyRanBetween.length).toBeLessThanOrEqual(1);
  });
});

describe('a full pool', () => {
  it("sends a light user's first job to the backend whose running job started first", async () => {
    // Only the second backend has beta: the first heavy job runs there, ahead of the first backend's.
    const { app, q, second, secondId } = await startPool({
      models: [['alpha.safetensors'], ['alpha.safetensors', 'beta.safetensors']],
      stepMs: 25,
    });
    const heavy = await app.login('user', 'heavy');
    const light = await app.login('user', 'light');
    const early = await q.submitId(heavy, withCheckpoint('beta.safetensors', 60));
    await waitFor(
      () => simHolds(second),
      (holds) => holds.running.includes(early),
    );
    // Both backends full: one running and one prefetched job each, the rest waiting in Atelier.
    for (let i = 0; i < 5; i += 1) await q.submitId(heavy, withCheckpoint('alpha.safetensors', 40));
    const lightId = await q.submitId(light, withCheckpoint('alpha.safetensors', 2));
    await q.succeeded(light, lightId);
    const list = (
      (await app.request.get('/api/comfy/jobs').set(light.bearer).expect(200)).body as JobListResponse
    ).items;
    expect(list.find((job) => job.prompt_id === lightId)?.backend?.id).toBe(secondId);
  });
});

describe('a backend that dies mid-job', () => {
  it('loses the job, and its automatic retry runs on the other backend', async () => {
    const { app, q, first, second, firstId, secondId } = await startPool({
      env: { COMFY_BACKEND_LOST_AFTER_S: '1' },
    });
    const user = await app.login('user');
    const promptId = await q.submitId(user, samplerWorkflow(150, 'doomed'));
    const running = await waitFor(
      async () => {
        const [a, b] = [await simHolds(first), await simHolds(second)];
        return a.running.includes(promptId) ? first : b.running.includes(promptId) ? second : null;
      },
      (sim) => sim !== null,
    );
    const [dead, alive, aliveId] = running === first ? [first, second, secondId] : [second, first, firstId];
    await dead.goDown();
    await waitFor(
      () => q.status(user, promptId),
      (s) => s.status === 'lost',
      { timeoutMs: 20_000 },
    );
    const list = async () =>
      ((await app.request.get('/api/comfy/jobs').set(user.bearer).expect(200)).body as JobListResponse).items;
    const retry = (await waitFor(list, (items) => items.some((job) => job.retry_of === promptId))).find(
      (job) => job.retry_of === promptId,
    )!;
    alive.setStepMs(1);
    await q.succeeded(user, retry.prompt_id);
    expect((await startOrder(alive)).map((run) => run.promptId)).toContain(retry.prompt_id);
    expect((await list()).find((job) => job.prompt_id === retry.prompt_id)?.backend?.id).toBe(aliveId);
  });
});
