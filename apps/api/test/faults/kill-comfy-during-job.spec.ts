import type { ComfyStatusResponse, JobStatus } from '@atelier/contract';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { comfyEnv, samplerWorkflow, SseClient, waitFor } from '../comfy-kit.js';
import { createTestApp, type TestApp, type TestSession } from '../test-app.js';
import { ChildGroup, freePort, requireBuilt, simCli } from './api-process.js';

const healthIntervalMs = 1000;

/** The simulator as a process of its own (`comfy-sim` CLI), so it can be killed with SIGKILL. */
async function startSimProcess(port: number, dataDir: string): Promise<ChildGroup> {
  requireBuilt(simCli);
  const args = [simCli, '--port', String(port), '--step-ms', '27', '--data-dir', dataDir];
  const sim = ChildGroup.spawn(process.execPath, args, {});
  try {
    await sim.waitUntilServing(`http://127.0.0.1:${port}/system_stats`);
  } catch (error) {
    await sim.kill();
    throw error;
  }
  return sim;
}

/**
 * `comfy-health.api.spec.ts` ("marks a job ComfyUI lost in a restart as lost") stops an in-process
 * simulator politely; here ComfyUI is a real process that dies by SIGKILL mid-job and is started
 * again (as its supervisor would), its queue gone.
 */
describe('ComfyUI killed (SIGKILL) in the middle of a job', () => {
  let app: TestApp | undefined;
  let dir: string | undefined;
  let stream: SseClient | undefined;
  const sims: ChildGroup[] = [];

  afterEach(async () => {
    stream?.close();
    stream = undefined;
    await app?.close();
    app = undefined;
    for (const sim of sims.splice(0)) await sim.kill();
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('ends the job lost within one health interval of ComfyUI answering again, and its stream with done', async () => {
    dir = await mkdtemp(join(tmpdir(), 'atelier-fault-comfy-'));
    const port = await freePort();
    const simUrl = `http://127.0.0.1:${port}`;
    sims.push(await startSimProcess(port, join(dir, 'first')));
    app = await createTestApp({
      env: comfyEnv(simUrl, {
        ATELIER_COMFY_WATCHDOG_INTERVAL_MS: String(healthIntervalMs),
        COMFY_RAW_GRAPH_MIN_ROLE: 'user',
      }),
    });
    const user = await app.login('user');
    const statusOf = async (session: TestSession, promptId: string) =>
      (await app!.request.get(`/api/comfy/status/${promptId}`).set(session.bearer).expect(200))
        .body as ComfyStatusResponse;

    // 150 steps at 27 ms: about 4 s of work, cut short by the kill.
    const queued = await app.request
      .post('/api/comfy/queue')
      .set(user.bearer)
      .send({ workflow: samplerWorkflow(150) })
      .expect(201);
    const promptId = (queued.body as { prompt_id: string }).prompt_id;
    stream = await SseClient.open(`${app.url}/api/comfy/stream/${promptId}`, user.bearer);
    await waitFor(
      () => statusOf(user, promptId),
      (status) => status.status === 'running',
    );

    await sims[0]!.kill('SIGKILL');
    // Down, the job's fate is unknown: it is neither done nor failed yet.
    await waitFor(
      async () =>
        (await app!.request.get('/api/comfy/health').set(user.bearer).expect(200)).body as {
          state: string;
        },
      (health) => health.state === 'down',
    );
    expect(['running', 'queued']).toContain((await statusOf(user, promptId)).status);
    expect(stream.ended).toBe(false);

    sims.push(await startSimProcess(port, join(dir, 'second')));
    const back = Date.now();
    const seen: JobStatus[] = [];
    const lost = await waitFor(
      async () => {
        const status = await statusOf(user, promptId);
        seen.push(status.status);
        return status;
      },
      (status) => status.status !== 'running' && status.status !== 'queued',
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    const waited = Date.now() - back;
    expect(lost.status).toBe('lost');
    expect(lost.error).toMatchObject({ code: 'comfy.job_lost' });
    // One interval, plus the time to notice (socket reconnect or probe) and our polling.
    expect(waited, `lost after ${waited} ms`).toBeLessThanOrEqual(healthIntervalMs + 1000);

    const events = await stream.finished();
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { prompt_id: promptId, status: 'lost' } });
    // And it stays lost: never running again.
    await new Promise((resolve) => setTimeout(resolve, 2 * healthIntervalMs));
    expect((await statusOf(user, promptId)).status).toBe('lost');
    const jobs = (await app.request.get('/api/comfy/jobs').set(user.bearer).expect(200)).body as {
      items: { prompt_id: string; status: JobStatus; finished_at: string | null }[];
    };
    expect(jobs.items.find((job) => job.prompt_id === promptId)).toMatchObject({ status: 'lost' });
    expect(jobs.items.find((job) => job.prompt_id === promptId)?.finished_at).not.toBeNull();
  }, 60_000);
});
