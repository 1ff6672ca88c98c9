import type { ComfyQueueResponse } from '@atelier/contract';
import { afterEach, describe, expect, it } from 'vitest';
import {
  quickWorkflow,
  samplerWorkflow,
  startComfyHarness,
  usersQueueGraphs,
  waitFor,
  type ComfyHarness,
} from './comfy-kit.js';
import { queueClient, simHolds, startOrder } from './comfy-queue-kit.js';

let harness: ComfyHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function start(env: Record<string, string> = {}, stepMs = 5) {
  harness = await startComfyHarness({ sim: { stepMs }, env: { ...usersQueueGraphs, ...env } });
  return { app: harness.app, sim: harness.sim, q: queueClient(harness.app) };
}

describe('fair share across users', () => {
  it("starts a light user's first job after at most the one heavy job running on the backend", async () => {
    // Heavy jobs of about a second: much longer than a request takes, even on a busy machine.
    const { app, sim, q } = await start({}, 25);
    const heavy = await app.login('user', 'heavy');
    const light = await app.login('user', 'light');
    const heavyIds: string[] = [];
    for (let i = 0; i < 32; i += 1) heavyIds.push(await q.submitId(heavy, samplerWorkflow(40, `heavy ${i}`)));
    // The heavy user's jobs hold every slot; the light one's first job must not wait behind them all.
    const submittedAt = Date.now();
    const lightId = await q.submitId(light, samplerWorkflow(40, 'light'));
    await q.succeeded(light, lightId, 60_000);

    const order = await startOrder(sim);
    const lightStart = order.find((entry) => entry.promptId === lightId)?.startedAt ?? Infinity;
    // Heavy jobs that ran at any moment between the light job's submission and its start: the one
    // running then, not also the one ComfyUI had prefetched behind it.
    const heavyRanBetween = order.filter(
      (entry) =>
        heavyIds.includes(entry.promptId) && entry.endedAt > submittedAt && entry.startedAt < lightStart,
    );
    expect(heavyRanBetween.length).toBeLessThanOrEqual(1);
    // …and most of the heavy user's jobs were still waiting in Atelier, not in ComfyUI, when it ran.
    expect(order.filter((entry) => entry.startedAt < lightStart).length).toBeLessThan(heavyIds.length / 2);
  });

  it("alternates two users' jobs once both have some waiting", async () => {
    const { app, sim, q } = await start();
    const admin = await app.login('admin');
    const first = await app.login('user', 'first');
    const second = await app.login('user', 'second');
    await q.pause(admin, true).expect(200);
    const a: string[] = [];
    const b: string[] = [];
    for (let i = 0; i < 4; i += 1) a.push(await q.submitId(first, quickWorkflow(`atelier/a${i}`)));
    for (let i = 0; i < 4; i += 1) b.push(await q.submitId(second, quickWorkflow(`atelier/b${i}`)));
    await q.resume(admin, true).expect(200);
    await q.succeeded(first, a[3]!, 60_000);
    await q.succeeded(second, b[3]!, 60_000);
    const owners = (await startOrder(sim)).map((entry) => (a.includes(entry.promptId) ? 'a' : 'b'));
    // Each user's jobs in their own order, neither user twice ahead of the other.
    let lead = 0;
    for (const owner of owners) {
      lead += owner === 'a' ? 1 : -1;
      expect(Math.abs(lead)).toBeLessThanOrEqual(2);
    }
    expect(
      (await startOrder(sim)).filter((entry) => a.includes(entry.promptId)).map((e) => e.promptId),
    ).toEqual(a);
  });
});

describe('capacity per backend', () => {
  for (const prefetch of [1, 0]) {
    it(`never holds more than 1 + comfy_prefetch (${prefetch}) jobs in ComfyUI`, async () => {
      // Jobs of a few hundred ms, so the full set of slots is seen taken.
      const { app, sim, q } = await start({ COMFY_PREFETCH: String(prefetch) }, 50);
      const user = await app.login('user');
      const ids: string[] = [];
      for (let i = 0; i < 6; i += 1) ids.push(await q.submitId(user, samplerWorkflow(4, `job ${i}`)));
      let most = 0;
      const last = ids[ids.length - 1]!;
      await waitFor(
        async () => {
          const holds = await simHolds(sim);
          most = Math.max(most, holds.running.length + holds.pending.length);
          expect(holds.running.length + holds.pending.length).toBeLessThanOrEqual(1 + prefetch);
          return q.status(user, last);
        },
        (s) => s.status === 'succeeded',
        { timeoutMs: 60_000, intervalMs: 10 },
      );
      // The prefetched slot is used (a GPU does not idle between two jobs), and no more.
      expect(most).toBe(1 + prefetch);
      expect((await startOrder(sim)).map((entry) => entry.promptId)).toEqual(ids);
    });
  }
});

describe('routing by capability', () => {
  it('refuses with 422 comfy.no_backend a graph no backend has the models for, recording nothing', async () => {
    const { app, q } = await start();
    const user = await app.login('user');
    await app.request.get('/api/comfy/object-info').set(user.bearer).expect(200);
    const graph = samplerWorkflow(2);
    (graph['4'] as { inputs: Record<string, unknown> }).inputs.ckpt_name = 'not_installed.safetensors';
    const refused = await app.request
      .post('/api/comfy/queue')
      .set(user.bearer)
      .send({ workflow: graph })
      .expect(422);
    expect(refused.body).toMatchObject({ code: 'comfy.no_backend' });
    const details = (refused.body as { details: { backends: Record<string, string[]> } }).details.backends;
    expect(Object.values(details).flat().join(' ')).toContain('not_installed.safetensors');
    expect((await app.request.get('/api/comfy/jobs').set(user.bearer).expect(200)).body).toMatchObject({
      items: [],
    });
    const fine = (
      await app.request
        .post('/api/comfy/queue')
        .set(user.bearer)
        .send({ workflow: samplerWorkflow(2) })
        .expect(201)
    ).body as ComfyQueueResponse;
    await q.succeeded(user, fine.prompt_id, 60_000);
  });
});
