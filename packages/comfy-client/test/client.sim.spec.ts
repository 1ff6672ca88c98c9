import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ComfyHttpError,
  ComfyTimeoutError,
  ComfyUnreachableError,
  ComfyValidationError,
  type ComfyValidationError as ValidationError,
} from '../src/index.js';
import { nextEvent, pngSignature, readAll, startHarness, urlOf, type Harness } from './sim.js';
import { missingInputPrompt, modelFreePrompt, unknownClassPrompt } from './workflows.js';

const png = Uint8Array.from([...pngSignature, 0, 0, 0, 13, 73, 72, 68, 82, 1, 2, 3, 4]);

describe('HTTP against the simulator', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(() => h.close());

  it('queues with our prompt_id and client_id, then finds the result in history', async () => {
    const promptId = randomUUID();
    const queued = await h.client.queuePrompt(modelFreePrompt(), {
      promptId,
      extraData: { extra_pnginfo: { a: 1 } },
    });
    expect(queued).toMatchObject({ promptId, recovered: false, nodeErrors: [] });
    expect(typeof queued.number).toBe('number');
    const final = await h.client.waitForJob(promptId, { pollIntervalMs: 10 });
    expect(final).toMatchObject({ status: 'succeeded', promptId });
    const entry = await h.client.getHistory(promptId);
    expect(entry?.extraData).toMatchObject({ client_id: h.client.clientId, extra_pnginfo: { a: 1 } });
    expect(await h.client.getHistory(randomUUID())).toBeNull();
  });

  it('streams /view with its content type, and 404s a missing file', async () => {
    const { promptId } = await h.client.queuePrompt(modelFreePrompt('viewed'));
    const final = await h.client.waitForJob(promptId, { pollIntervalMs: 10 });
    if (final.status !== 'succeeded') throw new Error(`unexpected ${final.status}`);
    const output = final.images.find((i) => i.type === 'output');
    expect(output).toMatchObject({ nodeId: '6', subfolder: '' });
    const view = await h.client.view(output!);
    expect(view.contentType).toBe('image/png');
    expect(view.filename).toBe(output!.filename);
    const bytes = await readAll(view.body);
    expect(Array.from(bytes.subarray(0, 8))).toEqual(pngSignature);
    if (view.contentLength !== null) expect(view.contentLength).toBe(bytes.byteLength);

    const positional = await h.client.view(output!.filename, '', 'output');
    expect(await readAll(positional.body)).toEqual(bytes);
    await expect(h.client.view('nope_00001_.png')).rejects.toMatchObject({ status: 404 });
  });

  it('uploads an image, renames different bytes, overwrites on request, and serves it back', async () => {
    const first = await h.client.uploadImage(png, 'upload.png', { subfolder: 'gallery/uploads' });
    expect(first).toEqual({ name: 'upload.png', subfolder: 'gallery/uploads', type: 'input' });
    const back = await h.client.view(first.name, first.subfolder, first.type);
    expect(await readAll(back.body)).toEqual(png);

    const same = await h.client.uploadImage(png, 'upload.png', { subfolder: 'gallery/uploads' });
    expect(same.name).toBe('upload.png');
    const other = Uint8Array.from([...png, 9]);
    const renamed = await h.client.uploadImage(other, 'upload.png', { subfolder: 'gallery/uploads' });
    expect(renamed.name).toBe('upload (1).png');
    const overwritten = await h.client.uploadImage(new Blob([other]), 'upload.png', {
      subfolder: 'gallery/uploads',
      overwrite: true,
    });
    expect(overwritten.name).toBe('upload.png');
    expect(await readAll((await h.client.view('upload.png', 'gallery/uploads', 'input')).body)).toEqual(
      other,
    );
  });

  it('reads object_info (all and one class), system_stats and the /api prefix', async () => {
    const all = await h.client.objectInfo();
    expect(Object.keys(all).length).toBeGreaterThan(50);
    expect(all.KSampler?.input.required).toHaveProperty('steps');
    const one = await h.client.objectInfo('SaveImage');
    expect(one?.output_node).toBe(true);
    expect(await h.client.objectInfo('NoSuchNode')).toBeNull();
    const stats = await h.client.systemStats();
    expect(typeof stats.system.comfyui_version).toBe('string');
    expect(Array.isArray(stats.devices)).toBe(true);
  });

  it('speaks the /api/… aliases, HTTP and WebSocket, when asked to', async () => {
    const prefixed = await startHarness({ client: { pathPrefix: '/api' } });
    try {
      const socket = prefixed.socket();
      await socket.connect();
      const { promptId } = await prefixed.client.queuePrompt(modelFreePrompt());
      const states = await prefixed.client.waitForJob(promptId, { socket });
      expect(states.status).toBe('succeeded');
      expect(prefixed.requests.length).toBeGreaterThan(0);
      expect(prefixed.requests.every((r) => r.path.startsWith('/api/'))).toBe(true);
    } finally {
      await prefixed.close();
    }
  });

  it('lists, deletes and clears the queue; front jumps it; history by max_items, delete, clear', async () => {
    h.sim.setStepMs(200);
    const socket = h.socket();
    await socket.connect();
    const started = nextEvent(socket, (e) => e.type === 'execution_start');
    const { promptId: running } = await h.client.queuePrompt(modelFreePrompt('a'));
    await started;
    const { promptId: second } = await h.client.queuePrompt(modelFreePrompt('b'));
    const { promptId: third } = await h.client.queuePrompt(modelFreePrompt('c'));
    const front = await h.client.queuePrompt(modelFreePrompt('d'), { priority: { front: true } });
    expect(front.number).toBeLessThan(0);

    let queue = await h.client.getQueue();
    expect(queue.running.map((i) => i.promptId)).toEqual([running]);
    expect(queue.pending.map((i) => i.promptId)).toEqual([front.promptId, second, third]);
    expect(await h.client.getQueueRemaining()).toBe(4);

    await h.client.deleteFromQueue([second]);
    queue = await h.client.getQueue();
    expect(queue.pending.map((i) => i.promptId)).toEqual([front.promptId, third]);
    expect(await h.client.cancel(third)).toBe('deleted');
    await h.client.clearQueue();
    queue = await h.client.getQueue();
    expect(queue.pending).toEqual([]);
    expect(queue.running.map((i) => i.promptId)).toEqual([running]);

    h.sim.setStepMs(1);
    await h.client.waitForJob(running, { socket });
    const { promptId: later } = await h.client.queuePrompt(modelFreePrompt('e'));
    await h.client.waitForJob(later, { socket });
    const newest = await h.client.getHistory({ maxItems: 1 });
    expect(newest.map((e) => e.promptId)).toEqual([later]);
    expect((await h.client.getHistory({})).map((e) => e.promptId)).toEqual([running, later]);
    await h.client.deleteHistory([running]);
    expect(await h.client.getHistory(running)).toBeNull();
    await h.client.clearHistory();
    expect(await h.client.getHistory({})).toEqual([]);
  });
});

describe('typed errors from the simulator', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness({ client: { maxRetries: 0 } });
  });
  afterEach(() => h.close());

  it('ComfyValidationError with per-node, per-input errors (node_errors as an object)', async () => {
    const error = (await h.client
      .queuePrompt(missingInputPrompt())
      .catch((e: unknown) => e)) as ValidationError;
    expect(error).toBeInstanceOf(ComfyValidationError);
    expect(error).toBeInstanceOf(ComfyHttpError);
    expect(error.status).toBe(400);
    expect(error.errorType).toBe('prompt_outputs_failed_validation');
    expect(error.nodeErrors).toEqual([
      {
        nodeId: '2',
        classType: 'SaveImage',
        dependentOutputs: ['2'],
        errors: [expect.objectContaining({ type: 'required_input_missing', inputName: 'images' })],
      },
    ]);
    expect(error.errorsFor('2', 'images')).toHaveLength(1);
    expect(error.inputErrors[0]).toMatchObject({ nodeId: '2', classType: 'SaveImage', inputName: 'images' });
  });

  it('ComfyValidationError with node_errors: [] (graph-level error)', async () => {
    const error = (await h.client
      .queuePrompt(unknownClassPrompt())
      .catch((e: unknown) => e)) as ValidationError;
    expect(error).toBeInstanceOf(ComfyValidationError);
    expect(error.errorType).toBe('invalid_prompt');
    expect(error.errorMessage).toContain('NoSuchNode');
    expect(error.nodeErrors).toEqual([]);
    expect(h.requests.filter((r) => r.path === '/prompt')).toHaveLength(1);
  });

  it('ComfyHttpError on a 500, with the body', async () => {
    h.sim.setFaults({ error500: true });
    const error = await h.client.getQueue().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComfyHttpError);
    expect(error).not.toBeInstanceOf(ComfyValidationError);
    expect(error).toMatchObject({ status: 500, method: 'GET', path: '/queue', kind: 'http' });
  });

  it('ComfyUnreachableError while the server is down, fine again when it is back', async () => {
    await h.sim.goDown();
    const error = await h.client.systemStats().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComfyUnreachableError);
    expect((error as ComfyUnreachableError).kind).toBe('unreachable');
    await h.sim.comeBack();
    expect((await h.client.systemStats()).devices.length).toBeGreaterThan(0);
  });

  it('ComfyTimeoutError when the server stalls', async () => {
    h.sim.setFaults({ stallMs: 2_000 });
    const started = Date.now();
    const error = await h.client.getQueue({ timeoutMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComfyTimeoutError);
    expect(error).toMatchObject({ timeoutMs: 100 });
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});

describe('retries against the simulator', () => {
  let h: Harness;
  let lostResponses = 0;
  beforeEach(async () => {
    lostResponses = 0;
    // A network that drops the answer to the first POST /prompt after the server got it.
    const flakyFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (init?.method === 'POST' && urlOf(input).endsWith('/prompt') && lostResponses-- > 0)
        throw new TypeError('fetch failed', {
          cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
        });
      return response;
    };
    h = await startHarness({ client: { maxRetries: 2, fetch: flakyFetch } });
  });
  afterEach(() => h.close());

  it('retries a GET after a 500, with a backoff delay', async () => {
    h.sim.setFaults({ error500: 1 });
    const started = Date.now();
    expect((await h.client.getQueue()).running).toEqual([]);
    expect(h.requests.filter((r) => r.path === '/queue')).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(5);
  });

  it('stops after maxRetries when the 500s persist', async () => {
    h.sim.setFaults({ error500: true });
    await expect(h.client.systemStats()).rejects.toMatchObject({ status: 500 });
    expect(h.requests.filter((r) => r.path === '/system_stats')).toHaveLength(3);
  });

  it('queuePrompt after a 500 queues exactly one job', async () => {
    const socket = h.socket();
    await socket.connect();
    const starts: string[] = [];
    socket.on((e) => {
      if (e.type === 'execution_start') starts.push(e.data.prompt_id);
    });
    h.sim.setFaults({ error500: 1 });
    const queued = await h.client.queuePrompt(modelFreePrompt());
    const final = await h.client.waitForJob(queued.promptId, { socket });
    expect(final.status).toBe('succeeded');
    const posts = h.requests.filter((r) => r.method === 'POST' && r.path === '/prompt');
    // Either the 500 came before the server queued it (posted again) or after (found, not posted again).
    expect(posts).toHaveLength(queued.recovered ? 1 : 2);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(starts.filter((id) => id === queued.promptId)).toHaveLength(1);
    expect(await h.client.getQueue()).toEqual({ running: [], pending: [] });
  });

  it('queuePrompt whose answer was lost finds its prompt_id instead of posting it again', async () => {
    lostResponses = 1;
    const socket = h.socket();
    await socket.connect();
    const starts: string[] = [];
    socket.on((e) => {
      if (e.type === 'execution_start') starts.push(e.data.prompt_id);
    });
    const promptId = randomUUID();
    const queued = await h.client.queuePrompt(modelFreePrompt(), { promptId });
    expect(queued).toMatchObject({ promptId, recovered: true });
    expect(h.requests.filter((r) => r.method === 'POST' && r.path === '/prompt')).toHaveLength(1);
    expect(await h.client.waitForJob(promptId, { socket })).toMatchObject({ status: 'succeeded' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(starts).toEqual([promptId]);
  });

  it('never retries POST /interrupt', async () => {
    h.sim.setFaults({ error500: true });
    await expect(h.client.interrupt()).rejects.toMatchObject({ status: 500 });
    expect(h.requests.filter((r) => r.path === '/interrupt')).toHaveLength(1);
  });
});
