import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  createComfyClient,
  trackJob,
  type ComfyClient,
  type ComfySocket,
  type ComfySocketEvent,
} from '../src/index.js';
import { httpExchange } from './fixtures.js';
import { collectStates } from './sim.js';

// A job's end events can reach the socket before its tracker subscribes (the API starts tracking after
// POST /prompt answered and the ledger was written). The tracker then relies on its /queue reconcile, which
// must not reuse a /queue request sent before that moment: its snapshot still shows the job running, and
// nothing else would come until the 15 s safety reconcile.

const promptId = 'fc4d1bd5-db02-4395-9071-d088456623ec';
const historyBody = httpExchange('history_get_id_success').response.json as Record<string, unknown>;

interface HeldQueue {
  /** The snapshot the server took when the request arrived. */
  body: unknown;
  release: () => void;
}

/** ComfyUI's /queue, /history/{id} and /ws, with a switch that holds /queue answers until released. */
class FakeComfy {
  running = true;
  finished = false;
  holdQueue = false;
  readonly held: HeldQueue[] = [];
  queueRequests = 0;
  private readonly server: Server;
  private readonly wss: WebSocketServer;
  private peer: WebSocket | null = null;
  url = '';

  constructor() {
    this.server = createServer((req, res) => this.handle(req, res));
    this.wss = new WebSocketServer({ server: this.server });
    this.wss.on('connection', (ws) => (this.peer = ws));
  }

  async start(): Promise<void> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  queueBody(): unknown {
    const item = [0, promptId, {}, {}, []];
    return { queue_running: this.running ? [item] : [], queue_pending: [] };
  }

  /** ComfyUI's `task_done`: the prompt leaves the running list and enters history in one step. */
  complete(): void {
    this.running = false;
    this.finished = true;
  }

  send(type: string, data: Record<string, unknown>): void {
    this.peer?.send(JSON.stringify({ type, data }));
  }

  /** Cuts every connection: held /queue answers never arrive. */
  closeConnections(): void {
    this.held.length = 0;
    this.server.closeAllConnections();
  }

  async close(): Promise<void> {
    for (const held of this.held.splice(0)) held.release();
    for (const client of this.wss.clients) client.terminate();
    await new Promise((resolve) => this.wss.close(resolve));
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const json = (body: unknown) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/queue') {
      this.queueRequests++;
      const body = this.queueBody();
      if (!this.holdQueue) return json(body);
      this.held.push({ body, release: () => json(body) });
      return;
    }
    if (req.url === `/history/${promptId}`) return json(this.finished ? historyBody : {});
    res.writeHead(404).end();
  }
}

function until(socket: ComfySocket, accept: (event: ComfySocketEvent) => boolean): Promise<void> {
  return new Promise((resolve) => {
    const off = socket.on((event) => {
      if (!accept(event)) return;
      off();
      resolve();
    });
  });
}

const endMarker = (event: ComfySocketEvent) =>
  event.type === 'executing' && event.data.node === null && event.data.prompt_id === promptId;

describe('tracking a job whose end events came before its tracker', () => {
  let comfy: FakeComfy;
  let client: ComfyClient;
  let socket: ComfySocket;

  async function setUp() {
    comfy = new FakeComfy();
    await comfy.start();
    client = createComfyClient({ baseUrl: comfy.url, timeoutMs: 2_000 });
    socket = client.socket();
    await socket.connect();
  }

  afterEach(async () => {
    await socket.close();
    await comfy.close();
  });

  /** Another caller's /queue request, sent and answered by the server (held on the way back). */
  async function queueRequestInFlight(): Promise<{ answer: Promise<unknown> }> {
    comfy.holdQueue = true;
    const answer = client.getQueue();
    while (comfy.held.length === 0) await sleep(2);
    comfy.holdQueue = false;
    return { answer };
  }

  it('reaches succeeded at once, not after the safety reconcile, when a shared /queue predates it', async () => {
    await setUp();
    const other = await queueRequestInFlight();
    expect(comfy.held[0]?.body).toMatchObject({ queue_running: [expect.arrayContaining([promptId])] });

    // The job ends; its events reach the socket while nobody follows it.
    const heard = until(socket, endMarker);
    comfy.complete();
    comfy.send('execution_success', { prompt_id: promptId, timestamp: Date.now() });
    comfy.send('executing', { node: null, display_node: null, prompt_id: promptId });
    await heard;

    const started = Date.now();
    const states = trackJob(client, promptId, { socket, reconcileIntervalMs: 15_000 });
    const collected = collectStates(states, 3_000);
    await sleep(20);
    comfy.held.shift()?.release();
    await other.answer;

    const all = await collected;
    expect(all.map((s) => s.status)).toEqual(['succeeded']);
    expect(all.at(-1)).toMatchObject({ images: expect.arrayContaining([expect.anything()]) });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('reaches succeeded at once when `executing null` (success unseen) is checked against a stale /queue', async () => {
    await setUp();
    // `execution_success` went by before the tracker subscribed; history is written a moment later.
    const heard = until(socket, (event) => event.type === 'execution_success');
    comfy.send('execution_success', { prompt_id: promptId, timestamp: Date.now() });
    await heard;

    const states = trackJob(client, promptId, { socket, reconcileIntervalMs: 15_000 });
    expect((await states.next()).value).toMatchObject({ status: 'running' });
    const collected = collectStates(states, 3_000);

    const other = await queueRequestInFlight();
    const marker = until(socket, endMarker);
    comfy.complete();
    comfy.send('executing', { node: null, display_node: null, prompt_id: promptId });
    await marker;
    await sleep(20);
    comfy.held.shift()?.release();
    await other.answer;

    const all = await collected;
    expect(all.map((s) => s.status)).toEqual(['succeeded']);
  });
});

describe('getQueue({ fresh: true })', () => {
  let comfy: FakeComfy;
  let client: ComfyClient;

  afterEach(() => comfy.close());

  async function setUp() {
    comfy = new FakeComfy();
    await comfy.start();
    client = createComfyClient({ baseUrl: comfy.url, timeoutMs: 2_000 });
  }

  it('never joins a request already sent, and shares one request among the callers waiting for it', async () => {
    await setUp();
    comfy.holdQueue = true;
    const shared = client.getQueue();
    while (comfy.held.length === 0) await sleep(2);
    comfy.holdQueue = false;
    // The job finishes after the first request was answered by the server, before its answer is back.
    comfy.complete();

    const joined = client.getQueue();
    const fresh = Array.from({ length: 200 }, () => client.getQueue({ fresh: true }));
    await sleep(20);
    // One request at a time: the fresh ones wait for the answer in flight.
    expect(comfy.queueRequests).toBe(1);
    comfy.held.shift()?.release();

    expect((await shared).running.map((item) => item.promptId)).toEqual([promptId]);
    expect((await joined).running.map((item) => item.promptId)).toEqual([promptId]);
    const answers = await Promise.all(fresh);
    expect(answers.every((queue) => queue.running.length === 0)).toBe(true);
    expect(comfy.queueRequests).toBe(2);
  });

  it('coalesces fresh callers of the same turn into one request when none is in flight', async () => {
    await setUp();
    const answers = await Promise.all(Array.from({ length: 50 }, () => client.getQueue({ fresh: true })));
    expect(answers).toHaveLength(50);
    expect(comfy.queueRequests).toBe(1);
    // Later callers get a later request.
    await client.getQueue({ fresh: true });
    expect(comfy.queueRequests).toBe(2);
  });

  it('lets a fresh caller go on after the request in flight failed', async () => {
    await setUp();
    client = createComfyClient({ baseUrl: comfy.url, timeoutMs: 2_000, maxRetries: 0 });
    comfy.holdQueue = true;
    const failing = client.getQueue();
    while (comfy.held.length === 0) await sleep(2);
    comfy.holdQueue = false;
    const fresh = client.getQueue({ fresh: true });
    await sleep(10);
    comfy.closeConnections();
    await expect(failing).rejects.toThrow();
    expect((await fresh).running.map((item) => item.promptId)).toEqual([promptId]);
  });
});
