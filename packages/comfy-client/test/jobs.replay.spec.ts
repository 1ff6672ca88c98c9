import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  createComfySocket,
  parseHistory,
  parseQueue,
  trackJob,
  type ComfySocket,
  type HistoryEntry,
  type JobSource,
  type JobState,
  type QueueSnapshot,
} from '../src/index.js';
import { httpExchange, wsFile, wsFrames, type WsFrame } from './fixtures.js';

// The job state machine fed by the frames the real server sent, over a real socket; the HTTP side is an
// in-memory JobSource that changes when the recording says the server would have changed.

const emptyQueue: QueueSnapshot = { running: [], pending: [] };

function queueWith(promptId: string, where: 'running' | 'pending'): QueueSnapshot {
  const item = { number: 0, promptId, prompt: {}, extraData: {}, outputsToExecute: [] };
  return where === 'running' ? { running: [item], pending: [] } : { running: [], pending: [item] };
}

class FakeSource implements JobSource {
  queue: QueueSnapshot = emptyQueue;
  history: HistoryEntry | null = null;
  calls = 0;
  async getQueue() {
    this.calls++;
    return this.queue;
  }
  async getHistory() {
    this.calls++;
    return this.history;
  }
}

function historyOf(file: string): HistoryEntry {
  const [entry] = parseHistory(httpExchange(file).response.json) ?? [];
  if (!entry) throw new Error(`no history in ${file}`);
  return entry;
}

async function collect(states: AsyncIterable<JobState>): Promise<JobState[]> {
  const all: JobState[] = [];
  for await (const state of states) all.push(state);
  return all;
}

describe('trackJob over replayed frames', () => {
  let server: WebSocketServer;
  let socket: ComfySocket;
  let peer: Promise<WebSocket>;

  async function setUp() {
    server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await once(server, 'listening');
    peer = new Promise((resolve) => server.once('connection', resolve));
    socket = createComfySocket({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    await socket.connect();
  }

  afterEach(async () => {
    await socket.close();
    for (const client of server.clients) client.terminate();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function play(frames: WsFrame[], beforeEndMarker: () => void) {
    const ws = await peer;
    for (const frame of frames) {
      if (frame.frame !== 'text') continue;
      const message = frame.message as { type: string; data: { node?: unknown } };
      if (message.type === 'executing' && message.data.node === null) beforeEndMarker();
      ws.send(frame.raw);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  it('follows the recorded successful run to succeeded with the history images', async () => {
    await setUp();
    const promptId = 'fc4d1bd5-db02-4395-9071-d088456623ec';
    const source = new FakeSource();
    source.queue = queueWith(promptId, 'pending');
    const states = trackJob(source, promptId, { socket, pollIntervalMs: 10_000, reconcileIntervalMs: 0 });
    const first = await states.next();
    expect(first.value).toEqual({ status: 'queued', promptId, position: 0 });
    source.queue = queueWith(promptId, 'running');
    const rest = collect(states);
    await play(wsFrames('run_success'), () => {
      source.queue = emptyQueue;
      source.history = historyOf('history_get_id_success');
    });
    const all = await rest;
    expect(all.map((s) => (s.status === 'running' ? `running:${s.node}` : s.status))).toEqual([
      'running:null',
      'running:3',
      'running:4',
      'running:7',
      'running:5',
      'running:6',
      'succeeded',
    ]);
    expect(all.at(-1)).toEqual({
      status: 'succeeded',
      promptId,
      images: [
        { nodeId: '6', filename: 'golden_00001_.png', subfolder: '', type: 'output' },
        { nodeId: '7', filename: 'ComfyUI_temp_cbkck_00001_.png', subfolder: '', type: 'temp' },
      ],
      // History's execution_start and execution_success timestamps (ComfyUI's clock, epoch ms).
      timing: { startedAt: 1795263990730, endedAt: 1795263990749 },
    });
  });

  it('reports progress value/max and falls back to the executed images when history is not there', async () => {
    await setUp();
    const promptId = 'a1c0bc97-8036-493d-816e-93fe32429bf8';
    const source = new FakeSource();
    source.queue = queueWith(promptId, 'running');
    const states = trackJob(source, promptId, { socket, reconcileIntervalMs: 0 });
    expect((await states.next()).value).toMatchObject({ status: 'running' });
    const rest = collect(states);
    const rerun = wsFrames('run_cached_rerun').map((f) =>
      f.frame === 'text'
        ? { ...f, raw: f.raw.replaceAll('01a43c90-bbf4-4798-91f0-3ae89cefe2f4', promptId) }
        : f,
    );
    const progress = wsFrames('run_binary_frames_SaveImageWebsocket').filter(
      (f) => f.frame === 'text' && (f.message as { type: string }).type === 'progress',
    );
    // Progress first, then the cached rerun's frames (its `executed` messages carry the images).
    await play([...progress, ...rerun], () => {
      source.queue = emptyQueue;
    });
    const all = await rest;
    expect(all.filter((s) => s.status === 'running')).toEqual([
      { status: 'running', promptId, node: '2', progress: { value: 0, max: 2 } },
      { status: 'running', promptId, node: '2', progress: { value: 1, max: 2 } },
    ]);
    expect(all.at(-1)).toEqual({
      status: 'succeeded',
      promptId,
      // In the order the `executed` messages arrived.
      images: [
        { nodeId: '6', filename: 'golden_00001_.png', subfolder: '', type: 'output' },
        { nodeId: '7', filename: 'ComfyUI_temp_cbkck_00001_.png', subfolder: '', type: 'temp' },
      ],
      // No history: the socket's execution_start and execution_success timestamps.
      timing: { startedAt: 1795263991358, endedAt: 1795263991360 },
    });
  });

  it('ends the recorded runtime error as failed(node, type, message)', async () => {
    await setUp();
    const promptId = '0d890011-5a72-42e1-971a-2f91b2bb85bd';
    const source = new FakeSource();
    source.queue = queueWith(promptId, 'running');
    const states = trackJob(source, promptId, { socket, reconcileIntervalMs: 0 });
    const all = collect(states);
    await play(wsFrames('run_execution_error'), () => {
      source.queue = emptyQueue;
      source.history = historyOf('history_get_id_execution_error');
    });
    expect((await all).at(-1)).toMatchObject({
      status: 'failed',
      promptId,
      node: '13',
      nodeType: 'ImageBlend',
      errorType: 'RuntimeError',
      message: expect.stringContaining('must match the size of tensor b'),
      // Ended by the socket's execution_error, timed from its execution_start to the error.
      timing: { startedAt: 1795263991987, endedAt: 1795263992003 },
    });
  });

  it('ends the recorded interrupt as interrupted, after the reconnect frame without prompt_id', async () => {
    await setUp();
    const file = wsFile('run_interrupted');
    const promptId = file.prompt_id as string;
    const source = new FakeSource();
    source.queue = queueWith(promptId, 'running');
    const states = trackJob(source, promptId, { socket, reconcileIntervalMs: 0 });
    const all = collect(states);
    await play(wsFrames('run_interrupted', 'frames_new_socket_same_clientId'), () => {
      source.queue = emptyQueue;
    });
    const result = await all;
    expect(result.map((s) => (s.status === 'running' ? `running:${s.node}` : s.status))).toEqual([
      'running:null',
      'running:101',
      'running:102',
      'interrupted',
    ]);
    // This socket joined mid-run: it heard when the run ended, not when it started.
    expect(result.at(-1)).toEqual({
      status: 'interrupted',
      promptId,
      node: '102',
      nodeType: 'ImageBlur',
      timing: { startedAt: null, endedAt: 1795264002247 },
    });
  });

  it('ignores other prompts and declares lost what the server no longer knows', async () => {
    await setUp();
    const source = new FakeSource();
    const states = await collect(trackJob(source, 'gone', { socket }));
    expect(states).toEqual([{ status: 'lost', promptId: 'gone' }]);
    // Queue then history, twice, before concluding.
    expect(source.calls).toBe(4);
  });

  it('reads the recorded queue for positions', async () => {
    await setUp();
    const source = new FakeSource();
    source.queue = parseQueue(httpExchange('queue_get_running').response.json) ?? emptyQueue;
    const states = trackJob(source, '57089343-439a-41cd-b5ac-207a41463221', { socket });
    expect((await states.next()).value).toMatchObject({ status: 'queued', position: 3 });
    await states.return?.();
  });
});
