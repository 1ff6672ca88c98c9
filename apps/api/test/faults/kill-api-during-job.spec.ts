import { startComfySim, type ComfySim } from '@atelier/comfy-sim';
import type { ComfyStatusResponse } from '@atelier/contract';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { comfyEnv, samplerWorkflow, simJson, SseClient, waitFor } from '../comfy-kit.js';
import { ApiProcess } from './api-process.js';

async function statusOf(api: ApiProcess, bearer: { Authorization: string }, promptId: string) {
  const response = await fetch(`${api.url}/api/comfy/status/${promptId}`, { headers: bearer });
  if (response.status !== 200)
    throw new Error(`status answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as ComfyStatusResponse;
}

describe('the API killed (SIGKILL) while a job runs on ComfyUI', () => {
  let rootDir: string | undefined;
  let api: ApiProcess | undefined;
  let sim: ComfySim | undefined;
  let stream: SseClient | undefined;

  afterEach(async () => {
    stream?.close();
    stream = undefined;
    await api?.kill();
    api = undefined;
    await sim?.close();
    sim = undefined;
    if (rootDir) await rm(rootDir, { recursive: true, force: true });
    rootDir = undefined;
  });

  it('reconciles the job to succeeded after a restart, and its stream ends with done', async () => {
    rootDir = await mkdtemp(join(tmpdir(), 'atelier-fault-'));
    // 60 steps at 25 ms: running for about 1.5 s.
    sim = await startComfySim({ port: 0, stepMs: 25 });
    const env = comfyEnv(sim.url);
    api = await ApiProcess.start({ rootDir, env });
    const bearer = await api.adminBearer();
    const queued = await fetch(`${api.url}/api/comfy/queue`, {
      method: 'POST',
      headers: { ...bearer, 'Content-Type': 'application/json' },
      body: JSON.stringify({ workflow: samplerWorkflow(60) }),
    });
    expect(queued.status).toBe(201);
    const promptId = ((await queued.json()) as { prompt_id: string }).prompt_id;
    await waitFor(
      () => statusOf(api!, bearer, promptId),
      (status) => status.status === 'running',
    );

    await api.kill('SIGKILL');
    // The job finishes in ComfyUI while nobody follows it.
    await waitFor(
      async () => (await simJson(sim!, `/history/${promptId}`)) as Record<string, unknown>,
      (history) => promptId in history,
      { timeoutMs: 15_000 },
    );

    api = await ApiProcess.start({ rootDir, env });
    const session = await api.adminBearer();
    const done = await waitFor(
      () => statusOf(api!, session, promptId),
      (status) => status.status !== 'running' && status.status !== 'queued',
    );
    expect(done.status).toBe('succeeded');
    expect(done.images?.length ?? 0).toBeGreaterThan(0);

    stream = await SseClient.open(`${api.url}/api/comfy/stream/${promptId}`, session);
    expect(stream.status).toBe(200);
    const events = await stream.finished();
    expect(events.at(-1)).toMatchObject({
      event: 'done',
      data: { prompt_id: promptId, status: 'succeeded' },
    });
  }, 60_000);
});
