import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { executionSeconds, type ComfySocketEvent, type JobState, type PreviewEvent } from '../src/index.js';
import {
  collectStates,
  nextEvent,
  pngSignature,
  readAll,
  startHarness,
  statusTrail,
  type Harness,
} from './sim.js';
import { defaultKSamplerPrompt, failingPrompt, modelFreePrompt } from './workflows.js';

async function checkpointName(h: Harness): Promise<string> {
  const loader = await h.client.objectInfo('CheckpointLoaderSimple');
  const options = (loader?.input.required?.ckpt_name as [string[]] | undefined)?.[0];
  if (!options?.[0]) throw new Error('the simulator lists no checkpoint');
  return options[0];
}

describe('job tracking against the simulator', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ stepMs: 5 });
  });
  afterEach(() => h.close());

  it('tracks a KSampler run: step progress, decoded previews, succeeded with images', async () => {
    const socket = h.socket();
    await socket.connect();
    const steps = 6;
    const prompt = defaultKSamplerPrompt({ ckptName: await checkpointName(h), steps });
    const { promptId } = await h.client.queuePrompt(prompt);
    const previews: PreviewEvent[] = [];
    const states = await collectStates(
      h.client.trackJob(promptId, { socket, onPreview: (p) => previews.push(p) }),
    );

    const final = states.at(-1);
    expect(final).toMatchObject({ status: 'succeeded', promptId });
    if (final?.status !== 'succeeded') return;
    const progress = states.flatMap((s) => (s.status === 'running' && s.progress ? [s] : []));
    expect(progress.length).toBeGreaterThanOrEqual(steps - 1);
    expect(progress.every((s) => s.node === '3' && s.progress?.max === steps)).toBe(true);
    const values = progress.map((s) => s.progress?.value ?? -1);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    expect(values.at(-1)).toBe(steps);

    expect(previews.length).toBeGreaterThan(0);
    for (const preview of previews) {
      expect(preview.promptId).toBe(promptId);
      expect(['jpeg', 'png']).toContain(preview.format);
      expect(preview.mimeType).toBe(preview.format === 'png' ? 'image/png' : 'image/jpeg');
      expect(preview.bytes.byteLength).toBeGreaterThan(8);
      if (preview.format === 'jpeg') expect(Array.from(preview.bytes.subarray(0, 2))).toEqual([0xff, 0xd8]);
      else expect(Array.from(preview.bytes.subarray(0, 8))).toEqual(pngSignature);
    }

    const saved = final.images.filter((i) => i.type === 'output');
    expect(saved.length).toBeGreaterThan(0);
    expect(saved.every((i) => i.nodeId === '9')).toBe(true);
    const view = await h.client.view(saved[0]!);
    expect(view.contentType).toBe('image/png');
    expect(Array.from((await readAll(view.body)).subarray(0, 8))).toEqual(pngSignature);
  });

  it('reconnects after the socket is dropped mid-job, reconciles, and still reaches succeeded', async () => {
    h.sim.setStepMs(15);
    const socket = h.socket();
    await socket.connect();
    const connection: string[] = [];
    socket.on((e) => {
      if (e.type === 'connection') connection.push(e.state);
    });
    const ckptName = await checkpointName(h);
    const progressed = nextEvent(socket, (e) => e.type === 'progress');
    const { promptId } = await h.client.queuePrompt(defaultKSamplerPrompt({ ckptName, steps: 30 }));
    const collected = collectStates(h.client.trackJob(promptId, { socket }));
    await progressed;
    h.sim.dropSockets();
    const all = await collected;
    expect(all.at(-1)).toMatchObject({ status: 'succeeded', promptId });
    expect(connection).toEqual(expect.arrayContaining(['closed', 'reconnecting', 'open']));
    expect(socket.isOpen).toBe(true);
    // The new socket is still registered for our clientId: the next prompt's events reach it.
    const next = randomUUID();
    const succeeded = nextEvent(socket, (e) => e.type === 'execution_success' && e.data.prompt_id === next);
    await h.client.queuePrompt(modelFreePrompt(), { promptId: next });
    await succeeded;
  });

  it('reconciles through history after a reconnect when the job ended while the socket was down', async () => {
    h.sim.setStepMs(10);
    const socket = h.socket();
    await socket.connect();
    const trail: string[] = [];
    socket.on((e) => {
      if (e.type === 'connection') trail.push(e.state === 'open' && e.isReconnect ? 'reopen' : e.state);
    });
    const ckptName = await checkpointName(h);
    const progressed = nextEvent(socket, (e) => e.type === 'progress');
    const { promptId } = await h.client.queuePrompt(defaultKSamplerPrompt({ ckptName, steps: 10 }));
    // No polling fallback here: only the reconnect can bring the news.
    const states = h.client.trackJob(promptId, { socket, pollIntervalMs: 60_000, reconcileIntervalMs: 0 });
    const collected = collectStates(states).then((all) => {
      trail.push(`job:${all.at(-1)?.status}`);
      return all;
    });
    await progressed;
    h.sim.setFaults({ rejectWebSocket: true });
    h.sim.dropSockets();
    for (let i = 0; i < 100 && !(await h.client.getHistory(promptId)); i++) await sleep(20);
    expect(trail).not.toContain('reopen');
    h.sim.clearFaults();
    const all = await collected;
    expect(all.at(-1)).toMatchObject({
      status: 'succeeded',
      promptId,
      images: [expect.objectContaining({ nodeId: '9' })],
    });
    expect(trail.indexOf('reopen')).toBeGreaterThan(0);
    expect(trail.indexOf('reopen')).toBeLessThan(trail.indexOf('job:succeeded'));
  });

  it('declares lost a job the server forgot in a restart', async () => {
    h.sim.setStepMs(20);
    const socket = h.socket();
    await socket.connect();
    const ckptName = await checkpointName(h);
    const progressed = nextEvent(socket, (e) => e.type === 'progress');
    const { promptId } = await h.client.queuePrompt(defaultKSamplerPrompt({ ckptName, steps: 100 }));
    const collected = collectStates(h.client.trackJob(promptId, { socket, pollIntervalMs: 20 }));
    await progressed;
    await h.sim.restart();
    const all = await collected;
    expect(statusTrail(all)).toEqual(['running', 'lost']);
  });

  it('falls back to polling when the WebSocket is refused, and reaches succeeded', async () => {
    h.sim.setFaults({ rejectWebSocket: true });
    const socket = h.socket({ reconnect: { baseDelayMs: 20, maxDelayMs: 50, maxAttempts: 2 } });
    const connecting = socket.connect().catch((e: unknown) => e);
    const { promptId } = await h.client.queuePrompt(modelFreePrompt());
    const all = await collectStates(h.client.trackJob(promptId, { socket, pollIntervalMs: 15 }));
    expect(all.at(-1)).toMatchObject({ status: 'succeeded', promptId, images: expect.any(Array) });
    expect(await connecting).toBeInstanceOf(Error);
    expect(socket.state).toBe('gave_up');
  });

  it('tracks by polling alone', async () => {
    h.sim.setStepMs(20);
    const { promptId } = await h.client.queuePrompt(
      defaultKSamplerPrompt({ ckptName: await checkpointName(h), steps: 10 }),
    );
    const all = await collectStates(h.client.trackJob(promptId, { mode: 'polling', pollIntervalMs: 15 }));
    expect(statusTrail(all).slice(-2)).toEqual(['running', 'succeeded']);
    expect(all.find((s) => s.status === 'running')).toMatchObject({ node: null, progress: null });
  });

  it('reports queued positions while an earlier job runs', async () => {
    h.sim.setStepMs(10);
    const socket = h.socket();
    await socket.connect();
    const ckptName = await checkpointName(h);
    const first = await h.client.queuePrompt(defaultKSamplerPrompt({ ckptName, steps: 20 }));
    const second = await h.client.queuePrompt(defaultKSamplerPrompt({ ckptName, steps: 2, seed: 1 }));
    const third = await h.client.queuePrompt(defaultKSamplerPrompt({ ckptName, steps: 2, seed: 2 }));
    const all = await collectStates(h.client.trackJob(third.promptId, { socket }));
    const queued = all.filter((s): s is Extract<JobState, { status: 'queued' }> => s.status === 'queued');
    expect(queued[0]?.position).toBe(1);
    expect(queued.map((s) => s.position)).toContain(0);
    expect(all.at(-1)?.status).toBe('succeeded');
    expect((await h.client.getHistory(first.promptId))?.status.statusStr).toBe('success');
    expect((await h.client.getHistory(second.promptId))?.status.statusStr).toBe('success');
  });

  it('interrupt → interrupted at the running node', async () => {
    h.sim.setStepMs(20);
    const socket = h.socket();
    await socket.connect();
    const ckptName = await checkpointName(h);
    const progressed = nextEvent(socket, (e) => e.type === 'progress');
    const { promptId } = await h.client.queuePrompt(defaultKSamplerPrompt({ ckptName, steps: 200 }));
    const collected = collectStates(h.client.trackJob(promptId, { socket }));
    await progressed;
    expect(await h.client.cancel(promptId)).toBe('interrupted');
    const all = await collected;
    expect(all.at(-1)).toMatchObject({ status: 'interrupted', promptId, node: '3', nodeType: 'KSampler' });
    const end = all.at(-1);
    expect(end?.status === 'interrupted' && end.timing?.endedAt).toBeGreaterThanOrEqual(
      (end?.status === 'interrupted' && end.timing?.startedAt) || Number.POSITIVE_INFINITY,
    );
    const entry = await h.client.getHistory(promptId);
    expect(entry?.status.statusStr).toBe('error');
  });

  it("times a run by the server's execution_start..execution_success, socket or polling; a cached rerun costs ~0", async () => {
    h.sim.setStepMs(20);
    const socket = h.socket();
    await socket.connect();
    const prompt = defaultKSamplerPrompt({ ckptName: await checkpointName(h), steps: 10 });
    const before = Date.now();
    const first = await h.client.queuePrompt(prompt);
    const bySocket = (await collectStates(h.client.trackJob(first.promptId, { socket }))).at(-1);
    const after = Date.now();
    expect(bySocket?.status).toBe('succeeded');
    if (bySocket?.status !== 'succeeded' || !bySocket.timing) throw new Error('no timing');
    const { startedAt, endedAt } = bySocket.timing;
    // The simulator and this test share a clock: the run happened between queueing and the end.
    expect(startedAt).toBeGreaterThanOrEqual(before);
    expect(endedAt).toBeLessThanOrEqual(after);
    const ran = executionSeconds(bySocket.timing) ?? 0;
    expect(ran).toBeGreaterThan(0);

    // The same prompt again: every node is cached, so nothing executes between start and success.
    const rerun = await h.client.queuePrompt(prompt);
    const byPolling = (
      await collectStates(h.client.trackJob(rerun.promptId, { mode: 'polling', pollIntervalMs: 10 }))
    ).at(-1);
    expect(byPolling?.status).toBe('succeeded');
    if (byPolling?.status !== 'succeeded') return;
    const cached = executionSeconds(byPolling.timing);
    expect(cached).not.toBeNull();
    expect(cached).toBeLessThan(ran);
  });

  it('execution error → failed(node, type, message)', async () => {
    const socket = h.socket();
    await socket.connect();
    const { promptId } = await h.client.queuePrompt(failingPrompt());
    const all = await collectStates(h.client.trackJob(promptId, { socket }));
    expect(all.at(-1)).toMatchObject({
      status: 'failed',
      promptId,
      node: '13',
      nodeType: 'ImageBlend',
      errorType: 'RuntimeError',
      message: expect.stringContaining('must match the size of tensor b'),
    });
  });

  it('types every message of a real run (none falls through to unknown)', async () => {
    const socket = h.socket();
    const seen: ComfySocketEvent[] = [];
    socket.on((e) => seen.push(e));
    await socket.connect();
    const promptId = randomUUID();
    const ended = nextEvent(
      socket,
      (e) => e.type === 'executing' && e.data.node === null && e.data.prompt_id === promptId,
    );
    await h.client.queuePrompt(modelFreePrompt(), { promptId });
    await ended;
    const types = seen.map((e) => e.type);
    expect(types[0]).toBe('connection');
    expect(types[1]).toBe('status');
    for (const type of ['execution_start', 'execution_cached', 'executing', 'executed', 'execution_success'])
      expect(types).toContain(type);
    expect(types.indexOf('execution_success')).toBeLessThan(types.lastIndexOf('executing'));
    expect(seen.filter((e) => e.type === 'unknown')).toEqual([]);
  });
});
