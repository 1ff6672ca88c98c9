import type { ManagedComfyStatus } from '@atelier/contract';
import { readFile } from 'node:fs/promises';
import type { Server } from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManagedComfyService } from '../src/comfy-managed/managed-comfy.service.js';
import { EventBus } from '../src/events/event-bus.js';
import { samplerWorkflow, waitFor as waitUntil } from './comfy-kit.js';
import {
  ensureSimBuilt,
  ephemeralPort,
  fixture,
  isGone,
  listen,
  liveGroupMembers,
  simCommand,
  waitFor,
} from './fixtures/managed/helpers.js';
import { createTestApp, type TestApp } from './test-app.js';

beforeAll(() => ensureSimBuilt(), 60_000);

let app: TestApp | null = null;
const servers: Server[] = [];

afterEach(async () => {
  await app?.close();
  app = null;
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

async function startManaged(
  env: Record<string, string>,
  initialPort?: number,
  files?: Record<string, string>,
) {
  app = await createTestApp({
    files: files ?? {},
    env: {
      COMFY_MANAGED_INITIAL_PORT: String(initialPort ?? (await ephemeralPort())),
      COMFY_MANAGED_START_ATTEMPTS: '3',
      COMFY_MANAGED_START_SLEEP_S: '0.05',
      COMFY_MANAGED_READY_TIMEOUT_S: '10',
      COMFY_MANAGED_STOP_GRACE_S: '2',
      ...env,
    },
  });
  return { app, managed: app.nest.get(ManagedComfyService) };
}

function statusOf(managed: ManagedComfyService): ManagedComfyStatus {
  const status = managed.status();
  if (!status) throw new Error('managed mode is off');
  return status;
}

function waitForState(managed: ManagedComfyService, state: ManagedComfyStatus['state'], timeoutMs = 15_000) {
  return waitFor(
    () => {
      const status = statusOf(managed);
      return status.state === state ? status : null;
    },
    `state ${state} (now ${JSON.stringify(statusOf(managed))})`,
    timeoutMs,
  );
}

async function pidsIn(file: string): Promise<number[]> {
  return (await readFile(file, 'utf8')).split('\n').filter(Boolean).map(Number);
}

describe('managed ComfyUI server', () => {
  it('starts the simulator on the initial port, warms it up, then serves its URL as comfy_api_url', async () => {
    const initialPort = await ephemeralPort();
    const { app, managed } = await startManaged({ COMFY_MANAGED_COMMAND: simCommand() }, initialPort);

    const ready = await waitForState(managed, 'ready');
    expect(ready).toMatchObject({
      port: initialPort,
      url: `http://127.0.0.1:${initialPort}`,
      attempt: 1,
      restarts: 0,
      last_error: null,
    });
    expect(ready.pid).toEqual(expect.any(Number));
    expect(Date.parse(ready.started_at ?? '')).toBeGreaterThan(Date.now() - 60_000);
    expect(managed.url).toBe(ready.url);

    // --port and --listen were appended to the command line.
    const stats = (await (await fetch(`${ready.url}/system_stats`)).json()) as { system: { argv: string[] } };
    expect(stats.system.argv.slice(-4)).toEqual(['--port', String(initialPort), '--listen', '127.0.0.1']);
    expect(stats.system.argv).toContain('--cpu');

    // The warm-up graph ran to completion before `ready`.
    const history = (await (await fetch(`${ready.url}/history`)).json()) as Record<
      string,
      { prompt: [number, string, Record<string, { class_type: string }>]; status: { status_str: string } }
    >;
    const runs = Object.values(history);
    expect(runs).toHaveLength(1);
    expect(Object.values(runs[0]?.prompt[2] ?? {}).map((node) => node.class_type)).toEqual([
      'EmptyImage',
      'PreviewImage',
    ]);
    expect(runs[0]?.status.status_str).toBe('success');

    expect(app.runtime.get()).toMatchObject({ comfy_enabled: true, comfy_api_url: ready.url });
    const admin = await app.login('admin');
    const config = await app.request.get('/api/admin/config').set(admin.bearer);
    expect(config.body.settings.comfy_api_url).toEqual({ value: ready.url, source: 'managed' });
    expect(config.body.settings.comfy_enabled).toEqual({ value: true, source: 'managed' });
  });

  it('takes the next free port when the initial one is in use', async () => {
    const initialPort = await ephemeralPort();
    servers.push(await listen(initialPort));
    const { app, managed } = await startManaged({ COMFY_MANAGED_COMMAND: simCommand() }, initialPort);

    const ready = await waitForState(managed, 'ready');
    expect(ready.port).toBeGreaterThan(initialPort);
    expect(ready.attempt).toBe(1);
    expect((await fetch(`${ready.url}/system_stats`)).status).toBe(200);
    expect(app.runtime.get().comfy_api_url).toBe(`http://127.0.0.1:${ready.port}`);
  });

  it('retries a command that crashes, then reports the reason and its last output', async () => {
    const { app, managed } = await startManaged({
      COMFY_MANAGED_COMMAND: `sh ${fixture('crash.sh')} pids.txt`,
    });

    const failed = await waitForState(managed, 'error');
    expect(failed.attempt).toBe(3);
    expect(failed.pid).toBeNull();
    expect(failed.last_error).toMatch(/did not start after 3 attempt\(s\); last: ComfyUI exited with code 3/);
    expect(failed.last_log_lines).toEqual(
      expect.arrayContaining([
        'Starting server (fixture that crashes)',
        'RuntimeError: Found no NVIDIA driver on your system.',
      ]),
    );
    expect(await pidsIn(join(app.rootDir, 'pids.txt'))).toHaveLength(3);
    // The URL is only ever the managed server's once it has been ready.
    expect(app.runtime.view().comfy_api_url.source).not.toBe('managed');
  });

  it('gives each attempt the ready timeout, then stops a command that never answers', async () => {
    const { app, managed } = await startManaged({
      COMFY_MANAGED_COMMAND: `sh ${fixture('never-ready.sh')} pids.txt`,
      COMFY_MANAGED_START_ATTEMPTS: '2',
      COMFY_MANAGED_READY_TIMEOUT_S: '0.4',
    });

    const failed = await waitForState(managed, 'error');
    expect(failed.attempt).toBe(2);
    expect(failed.last_error).toMatch(/did not answer on http:\/\/127\.0\.0\.1:\d+ within 0\.4 s/);
    expect(failed.last_log_lines).toContain('Loading custom nodes...');
    // Two attempts, each a script and its sleeping child: all stopped.
    const pids = await pidsIn(join(app.rootDir, 'pids.txt'));
    expect(pids).toHaveLength(4);
    await waitFor(() => pids.every((pid) => isGone(pid, { allowZombie: true })), 'the attempts to be gone');
  });

  it('fails the attempt when the warm-up workflow fails, with ComfyUI’s reason', async () => {
    const payload = {
      prompt: {
        '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color: 0 } },
        '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'SIM_FAIL' } },
      },
    };
    const { managed } = await startManaged(
      {
        COMFY_MANAGED_COMMAND: simCommand(),
        COMFY_MANAGED_START_ATTEMPTS: '2',
        COMFY_MANAGED_TEST_PAYLOAD: 'warmup.json',
      },
      undefined,
      { 'warmup.json': JSON.stringify(payload) },
    );

    const failed = await waitForState(managed, 'error');
    expect(failed.attempt).toBe(2);
    expect(failed.last_error).toMatch(/last: warm-up workflow failed in node 2: /);
  });

  it('goes to error at once, without retrying, when the test payload is not a workflow', async () => {
    const { managed } = await startManaged(
      { COMFY_MANAGED_COMMAND: simCommand(), COMFY_MANAGED_TEST_PAYLOAD: 'warmup.json' },
      undefined,
      { 'warmup.json': '{"1": {"inputs": {}}}' },
    );

    const failed = await waitForState(managed, 'error');
    expect(failed).toMatchObject({ attempt: 1, pid: null, port: null });
    expect(failed.last_error).toMatch(/warmup\.json is not an API-format workflow/);
  });

  it('runs a custom test payload as the warm-up', async () => {
    const payload = {
      '5': { class_type: 'EmptyImage', inputs: { width: 16, height: 16, batch_size: 1, color: 255 } },
      '6': { class_type: 'PreviewImage', inputs: { images: ['5', 0] } },
    };
    const { managed } = await startManaged(
      { COMFY_MANAGED_COMMAND: simCommand(), COMFY_MANAGED_TEST_PAYLOAD: 'warmup.json' },
      undefined,
      { 'warmup.json': JSON.stringify(payload) },
    );

    const ready = await waitForState(managed, 'ready');
    const history = (await (await fetch(`${ready.url}/history`)).json()) as Record<
      string,
      { prompt: unknown[] }
    >;
    expect(Object.values(history).map((run) => run.prompt[2])).toEqual([payload]);
  });

  it('marks the jobs of a ComfyUI that died lost at once, and ends their streams', async () => {
    // 40 ms a step: the job runs for seconds, so it is surely running when the process is killed.
    const command = simCommand().replace('--step-ms 1', '--step-ms 40');
    // A 10 s pause before the restart: the job must not wait for the new ComfyUI to be called lost.
    const { app, managed } = await startManaged({
      COMFY_MANAGED_COMMAND: command,
      COMFY_MANAGED_START_SLEEP_S: '10',
    });
    const ready = await waitForState(managed, 'ready');
    const curator = await app.login('curator');
    const queued = await app.request
      .post('/api/comfy/queue')
      .set(curator.bearer)
      .send({ workflow: samplerWorkflow(150) })
      .expect(201);
    const promptId = (queued.body as { prompt_id: string }).prompt_id;
    const status = async () =>
      (await app.request.get(`/api/comfy/status/${promptId}`).set(curator.bearer)).body as {
        status: string;
        error?: { code: string };
      };
    await waitUntil(status, (now) => now.status === 'running');

    const killedAt = Date.now();
    process.kill(ready.pid ?? 0, 'SIGKILL');
    const lost = await waitUntil(status, (now) => now.status === 'lost');
    // Lost as soon as the supervisor saw the death, not after a health interval or a restart.
    expect(Date.now() - killedAt).toBeLessThan(3000);
    expect(lost.error).toMatchObject({ code: 'comfy.job_lost' });
    const stream = await app.request
      .get(`/api/comfy/stream/${promptId}`)
      .set(curator.bearer)
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => done(null, text));
      });
    expect(String(stream.body)).toMatch(/event: done\ndata: \{"prompt_id":"[^"]+","status":"lost"\}/);
  });

  it('restarts the server when it dies, then is ready again', async () => {
    const { app, managed } = await startManaged({ COMFY_MANAGED_COMMAND: simCommand() });
    const first = await waitForState(managed, 'ready');
    const seen: ManagedComfyStatus[] = [];
    const unsubscribe = app.nest.get(EventBus).subscribe('comfy.managed_status', (status) => {
      seen.push(status);
    });

    process.kill(first.pid ?? 0, 'SIGKILL');
    const again = await waitFor(() => {
      const status = statusOf(managed);
      return status.state === 'ready' && status.restarts === 1 ? status : null;
    }, 'a restart');
    unsubscribe();

    expect(again.pid).not.toBe(first.pid);
    expect(again.attempt).toBe(2);
    expect(isGone(first.pid ?? 0)).toBe(true);
    expect(seen.find((status) => status.state === 'initializing')?.last_error).toBe(
      'ComfyUI was killed by SIGKILL while ready',
    );
    expect((await fetch(`${again.url}/system_stats`)).status).toBe(200);
    expect(app.runtime.get().comfy_api_url).toBe(again.url);
  });

  it('stops the whole process group on close, leaving no orphan', async () => {
    const { app, managed } = await startManaged({
      COMFY_MANAGED_COMMAND: simCommand(`sh ${fixture('wrapper.sh')} `),
    });
    const ready = await waitForState(managed, 'ready');
    const announced = ready.last_log_lines
      .map((line) => /^wrapper (\d+) runs child (\d+)$/.exec(line))
      .find(Boolean);
    const [wrapper, server] = [Number(announced?.[1]), Number(announced?.[2])];
    expect(wrapper).toBe(ready.pid);
    expect(isGone(server)).toBe(false);

    await app.close();

    expect(statusOf(managed).state).toBe('killed');
    expect(isGone(wrapper)).toBe(true);
    expect(isGone(server, { allowZombie: true })).toBe(true);
    expect(liveGroupMembers(wrapper)).toEqual([]);
  });

  it('SIGKILLs a command that ignores SIGTERM once the grace period is over', async () => {
    const { app, managed } = await startManaged({
      COMFY_MANAGED_COMMAND: simCommand(`sh ${fixture('wrapper.sh')} --ignore-sigterm `),
      COMFY_MANAGED_STOP_GRACE_S: '0.5',
    });
    const ready = await waitForState(managed, 'ready');

    const started = Date.now();
    await app.close();
    const took = Date.now() - started;

    expect(took).toBeGreaterThanOrEqual(450);
    expect(took).toBeLessThan(5000);
    expect(isGone(ready.pid ?? 0)).toBe(true);
    expect(liveGroupMembers(ready.pid ?? 0)).toEqual([]);
  });
});

describe('GET/POST /api/admin/comfy/managed', () => {
  it('is for admins only and says when managed mode is off', async () => {
    app = await createTestApp();
    const curator = await app.login('curator');
    const admin = await app.login('admin');

    expect((await app.request.get('/api/admin/comfy/managed').set(curator.bearer)).status).toBe(403);
    expect((await app.request.post('/api/admin/comfy/managed/restart').set(curator.bearer)).status).toBe(403);
    const off = await app.request.get('/api/admin/comfy/managed').set(admin.bearer);
    expect(off.status).toBe(200);
    expect(off.body).toEqual({ enabled: false, status: null });
    const restart = await app.request.post('/api/admin/comfy/managed/restart').set(admin.bearer);
    expect(restart.status).toBe(409);
    expect(restart.body).toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/COMFY_MANAGED_COMMAND/),
    });
  });

  it('shows the status and restarts the server on request', async () => {
    const { app, managed } = await startManaged({ COMFY_MANAGED_COMMAND: simCommand() });
    const first = await waitForState(managed, 'ready');
    const admin = await app.login('admin');

    const shown = await app.request.get('/api/admin/comfy/managed').set(admin.bearer);
    expect(shown.status).toBe(200);
    expect(shown.body).toEqual({
      enabled: true,
      status: {
        state: 'ready',
        port: first.port,
        url: first.url,
        pid: first.pid,
        attempt: 1,
        restarts: 0,
        last_error: null,
        last_log_lines: expect.arrayContaining([`To see the GUI go to: ${first.url}`]),
        started_at: first.started_at,
      },
    });

    const restart = await app.request.post('/api/admin/comfy/managed/restart').set(admin.bearer);
    expect(restart.status).toBe(202);
    expect(restart.body.status).toMatchObject({ state: 'initializing', restarts: 1, attempt: 1 });
    expect(isGone(first.pid ?? 0)).toBe(true);

    const again = await waitForState(managed, 'ready');
    expect(again.pid).not.toBe(first.pid);
    expect(again.restarts).toBe(1);
  });
});
