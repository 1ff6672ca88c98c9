import type { ComfyQueueResponse, ComfyStatusResponse, UsageResponse } from '@atelier/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from './comfy-kit.js';
import { startComfyPool, withCheckpoint, type ComfyPool } from './comfy-pool-kit.js';
import { comfySeconds } from './comfy-queue-kit.js';
import type { TestSession } from './test-app.js';

// Issue 13, accounting over a pool: each job's GPU-seconds go to the backend that ran it, by that
// server's own timestamps. Routing by model makes the backend of each job certain.

let pool: ComfyPool | undefined;

afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('GPU usage over two backends', () => {
  it("sums each backend's jobs by its own execution timestamps, per user and per backend", async () => {
    pool = await startComfyPool({
      models: [['only-first.safetensors'], ['only-second.safetensors']],
    });
    const { app, admin, first, second, secondId } = pool;

    const ada = await app.login('user', 'ada');
    const bob = await app.login('user', 'bob');
    const queue = async (session: TestSession, graph: Record<string, unknown>) =>
      (
        (await app.request.post('/api/comfy/queue').set(session.bearer).send({ workflow: graph }).expect(201))
          .body as ComfyQueueResponse
      ).prompt_id;
    const jobs = [
      { session: ada, sim: first, id: await queue(ada, withCheckpoint('only-first.safetensors', 6)) },
      { session: ada, sim: second, id: await queue(ada, withCheckpoint('only-second.safetensors', 4)) },
      { session: bob, sim: second, id: await queue(bob, withCheckpoint('only-second.safetensors', 8)) },
    ];
    for (const job of jobs) {
      await waitFor(
        async () =>
          (
            (await app.request.get(`/api/comfy/status/${job.id}`).set(job.session.bearer).expect(200))
              .body as ComfyStatusResponse
          ).status,
        (status) => status === 'succeeded',
        { timeoutMs: 30_000, intervalMs: 50 },
      );
    }
    const [onFirst, adaOnSecond, bobOnSecond] = await Promise.all(
      jobs.map((job) => comfySeconds(job.sim, job.id)),
    );

    const report = (groupBy: string) =>
      waitFor(
        async () =>
          (
            await app.request
              .get('/api/admin/usage')
              .query({ group_by: groupBy })
              .set(admin.bearer)
              .expect(200)
          ).body as UsageResponse,
        (body) => body.totals.jobs === 3,
      );
    const byBackend = await report('backend');
    const backendRow = (key: string) => byBackend.rows.find((row) => row.key === key);
    expect(backendRow(String(secondId))).toMatchObject({ label: 'second', jobs: 2 });
    expect(backendRow(String(secondId))?.gpu_seconds).toBeCloseTo(adaOnSecond! + bobOnSecond!, 3);
    const firstRow = byBackend.rows.find((row) => row.key !== String(secondId));
    expect(firstRow).toMatchObject({ jobs: 1 });
    expect(firstRow?.gpu_seconds).toBeCloseTo(onFirst!, 3);

    const byUser = await report('user');
    const userRow = (name: string) => byUser.rows.find((row) => row.label === name);
    expect(userRow('ada')).toMatchObject({ jobs: 2 });
    expect(userRow('ada')?.gpu_seconds).toBeCloseTo(onFirst! + adaOnSecond!, 3);
    expect(userRow('bob')?.gpu_seconds).toBeCloseTo(bobOnSecond!, 3);
  });
});
