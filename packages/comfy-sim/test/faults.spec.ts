import { get } from 'node:http';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { startComfySim, type ComfySim } from '../src/index.js';
import { isDone, WsRecorder } from './support/ws-recorder.js';

const CRASH_TEXT = '500 Internal Server Error\n\nServer got itself in trouble';

const tinyPrompt = (prefix: string, color = 1): Record<string, unknown> => ({
  '1': { class_type: 'EmptyImage', inputs: { width: 8, height: 8, batch_size: 1, color } },
  '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: prefix } },
});

async function post(
  sim: ComfySim,
  prompt: unknown,
  clientId?: string,
): Promise<{ prompt_id: string; number: number }> {
  const res = await fetch(`${sim.url}/prompt`, {
    method: 'POST',
    body: JSON.stringify({ prompt, client_id: clientId }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { prompt_id: string; number: number };
}

/** Opens a brand-new connection (no keep-alive pool) and reports how it failed, if it did. */
function connectError(url: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false }, (res) => {
      res.resume();
      resolve(undefined);
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'unknown'));
  });
}

describe('fault injection', () => {
  let sim: ComfySim;
  const sockets: WsRecorder[] = [];

  beforeEach(async () => {
    sim = await startComfySim({ stepMs: 1 });
  });

  afterEach(async () => {
    for (const s of sockets.splice(0)) await s.close();
    await sim.close();
  });

  it('answers a counted number of 500s in ComfyUI’s crash format, then recovers', async () => {
    sim.setFaults({ error500: 2 });
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${sim.url}/queue`);
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
      expect(await res.text()).toBe(CRASH_TEXT);
    }
    expect((await fetch(`${sim.url}/queue`)).status).toBe(200);
  });

  it('limits faults to a path prefix, with or without /api', async () => {
    sim.setFaults({ error500: true, pathPrefix: '/system_stats' });
    expect((await fetch(`${sim.url}/system_stats`)).status).toBe(500);
    expect((await fetch(`${sim.url}/api/system_stats`)).status).toBe(500);
    expect((await fetch(`${sim.url}/queue`)).status).toBe(200);
    sim.clearFaults();
    expect((await fetch(`${sim.url}/system_stats`)).status).toBe(200);
  });

  it('stalls responses until the fault is cleared, and delays them when asked', async () => {
    sim.setFaults({ stallMs: 60_000 });
    await expect(fetch(`${sim.url}/prompt`, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    const pending = fetch(`${sim.url}/prompt`);
    await new Promise((r) => setTimeout(r, 50));
    sim.clearFaults();
    expect((await pending).status).toBe(200);

    sim.setFaults({ delayMs: 120 });
    const t0 = performance.now();
    expect((await fetch(`${sim.url}/prompt`)).status).toBe(200);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(100);
  });

  it('refuses connections (dropping open sockets) and listens again on the same port when cleared', async () => {
    const ws = await WsRecorder.open(sim.url, 'c');
    sockets.push(ws);
    const closed = new Promise((r) => ws.ws.once('close', r));
    sim.setFaults({ refuseConnections: true });
    await closed;
    expect(await connectError(`${sim.url}/queue`)).toBe('ECONNREFUSED');
    sim.clearFaults();
    expect((await fetch(`${sim.url}/queue`)).status).toBe(200);
  });

  it('rejects WebSocket upgrades while HTTP keeps working', async () => {
    sim.setFaults({ rejectWebSocket: true });
    await expect(WsRecorder.open(sim.url, 'c')).rejects.toThrow(/503/);
    expect((await fetch(`${sim.url}/queue`)).status).toBe(200);
    sim.clearFaults();
    sockets.push(await WsRecorder.open(sim.url, 'c'));
  });

  it('dropSockets terminates WebSockets; clients can reconnect', async () => {
    const ws = await WsRecorder.open(sim.url, 'c');
    const closed = new Promise((r) => ws.ws.once('close', r));
    sim.dropSockets();
    await closed;
    const again = await WsRecorder.open(sim.url, 'c');
    sockets.push(again);
    const { prompt_id } = await post(sim, tinyPrompt('again'), 'c');
    await again.waitFor(isDone(prompt_id));
  });

  it('goDown/comeBack: refused while down, then the same port with empty queue and history, files kept', async () => {
    const ws = await WsRecorder.open(sim.url, 'c');
    sockets.push(ws);
    const first = await post(sim, tinyPrompt('kept'), 'c');
    await ws.waitFor(isDone(first.prompt_id));
    const port = sim.port;

    await sim.goDown();
    expect(await connectError(`${sim.url}/queue`)).toBe('ECONNREFUSED');
    await sim.comeBack();
    expect(sim.port).toBe(port);
    expect(await (await fetch(`${sim.url}/history`)).json()).toEqual({});
    expect((await fetch(`${sim.url}/view?filename=kept_00001_.png`)).status).toBe(200);
    // The queue counter starts over, as in a fresh process.
    expect((await post(sim, tinyPrompt('kept', 2))).number).toBe(0);
  });

  it('restart mid-run forgets the running prompt and sends nothing more for it', async () => {
    const ws = await WsRecorder.open(sim.url, 'c');
    sockets.push(ws);
    sim.setStepMs(200);
    const { prompt_id } = await post(sim, tinyPrompt('lost'), 'c');
    await ws.waitForType('executing', 0, (d) => d.node === '1');
    await sim.restart();
    await new Promise((r) => setTimeout(r, 300));
    expect(ws.frames.some(isDone(prompt_id))).toBe(false);
    expect(await (await fetch(`${sim.url}/history/${prompt_id}`)).json()).toEqual({});
    expect(await (await fetch(`${sim.url}/queue`)).json()).toEqual({ queue_running: [], queue_pending: [] });
  });

  it('setStepMs applies to the step being waited out', async () => {
    const ws = await WsRecorder.open(sim.url, 'c');
    sockets.push(ws);
    sim.setStepMs(60_000);
    const { prompt_id } = await post(sim, tinyPrompt('hurry'), 'c');
    await ws.waitForType('executing', 0, (d) => d.node === '1');
    sim.setStepMs(1);
    await ws.waitFor(isDone(prompt_id), 0, 2000);
  });
});
