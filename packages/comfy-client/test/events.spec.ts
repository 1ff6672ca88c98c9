import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  ComfyUnreachableError,
  createComfySocket,
  encodePreviewFrame,
  type ComfySocket,
  type ComfySocketEvent,
} from '../src/index.js';
import { wsFrames } from './fixtures.js';

// A bare WebSocket server on an ephemeral port that plays recorded frames: the socket layer is tested
// against real sockets without the simulator.
async function startServer(options: { autoPong?: boolean; reject?: boolean } = {}) {
  const server = new WebSocketServer({
    port: 0,
    host: '127.0.0.1',
    autoPong: options.autoPong ?? true,
    verifyClient: () => !options.reject,
  });
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  return { server, baseUrl: `http://127.0.0.1:${port}` };
}

async function closeServer(server: WebSocketServer) {
  for (const client of server.clients) client.terminate();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function take(iterator: AsyncIterator<ComfySocketEvent>, predicate: (e: ComfySocketEvent) => boolean) {
  const seen: ComfySocketEvent[] = [];
  for (;;) {
    const next = await iterator.next();
    if (next.done) return seen;
    seen.push(next.value);
    if (predicate(next.value)) return seen;
  }
}

describe('ComfySocket', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  function track<T extends ComfySocket | WebSocketServer>(thing: T): T {
    cleanups.push(() => ('clientId' in thing ? thing.close() : closeServer(thing)));
    return thing;
  }

  it('turns the recorded run into typed events, decodes previews and passes unknown messages through', async () => {
    const { server, baseUrl } = await startServer();
    track(server);
    const recorded = wsFrames('run_binary_frames_SaveImageWebsocket');
    const promptId = 'a1c0bc97-8036-493d-816e-93fe32429bf8';
    const png = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    let requestUrl = '';
    let origin: string | undefined;
    server.on('connection', (ws: WebSocket, request) => {
      requestUrl = request.url ?? '';
      origin = request.headers.origin;
      ws.send(
        JSON.stringify({
          type: 'status',
          data: { status: { exec_info: { queue_remaining: 0 } }, sid: 'me' },
        }),
      );
      for (const frame of recorded) {
        if (frame.frame === 'text') ws.send(frame.raw);
        else ws.send(encodePreviewFrame(png, frame.image_format_u32be));
      }
      ws.send(JSON.stringify({ type: 'crystools.monitor', data: { cpu: 3 } }));
    });

    const socket = track(createComfySocket({ baseUrl, clientId: 'gallery A' }));
    const events = socket.events();
    await socket.connect();
    const seen = await take(events, (e) => e.type === 'unknown');

    expect(requestUrl).toBe('/ws?clientId=gallery%20A');
    expect(origin).toBeUndefined();
    expect(socket.sid).toBe('me');
    expect(seen.map((e) => e.type)).toEqual([
      'connection',
      'status',
      'status',
      'status',
      'execution_start',
      'execution_cached',
      'executing',
      'executing',
      'progress',
      'preview',
      'progress',
      'preview',
      'execution_success',
      'status',
      'executing',
      'unknown',
    ]);
    const previews = seen.filter((e) => e.type === 'preview');
    expect(previews[0]).toEqual({
      type: 'preview',
      promptId,
      format: 'png',
      mimeType: 'image/png',
      formatCode: 2,
      bytes: png,
    });
    expect(seen.at(-1)).toEqual({ type: 'unknown', raw: { type: 'crystools.monitor', data: { cpu: 3 } } });
  });

  it('reconnects with backoff after the server drops it, never holding two sockets at once', async () => {
    const { server, baseUrl } = await startServer();
    track(server);
    let live = 0;
    let maxLive = 0;
    let connections = 0;
    server.on('connection', (ws: WebSocket) => {
      connections++;
      live++;
      maxLive = Math.max(maxLive, live);
      ws.on('close', () => live--);
      if (connections === 1) setTimeout(() => ws.terminate(), 20);
    });
    const socket = track(createComfySocket({ baseUrl, reconnect: { baseDelayMs: 40, maxDelayMs: 80 } }));
    const events = socket.events();
    await socket.connect();
    const seen = await take(events, (e) => e.type === 'connection' && e.state === 'open' && e.isReconnect);
    const states = seen.filter((e) => e.type === 'connection');
    expect(states.map((e) => e.state)).toEqual(['open', 'closed', 'reconnecting', 'open']);
    const reconnecting = states[2];
    expect(reconnecting?.delayMs).toBeGreaterThanOrEqual(20);
    expect(reconnecting?.delayMs).toBeLessThanOrEqual(40);
    expect(connections).toBe(2);
    expect(maxLive).toBe(1);
    expect(socket.isOpen).toBe(true);
  });

  it('gives up after maxAttempts consecutive failures, ends iterators, and rejects connect()', async () => {
    const { server, baseUrl } = await startServer({ reject: true });
    track(server);
    const socket = track(
      createComfySocket({ baseUrl, reconnect: { baseDelayMs: 5, maxDelayMs: 20, maxAttempts: 3 } }),
    );
    const events = socket.events();
    const connected = socket.connect();
    await expect(connected).rejects.toBeInstanceOf(ComfyUnreachableError);
    const seen = await take(events, () => false);
    expect(seen.map((e) => (e.type === 'connection' ? `${e.state}:${e.attempt}` : e.type))).toEqual([
      'reconnecting:1',
      'reconnecting:2',
      'reconnecting:3',
      'gave_up:3',
    ]);
    expect(socket.state).toBe('gave_up');
  });

  it('detects a dead peer through the heartbeat and reconnects', async () => {
    const { server, baseUrl } = await startServer({ autoPong: false });
    track(server);
    let connections = 0;
    server.on('connection', () => connections++);
    const socket = track(
      createComfySocket({
        baseUrl,
        heartbeat: { intervalMs: 30, timeoutMs: 30 },
        reconnect: { baseDelayMs: 10, maxDelayMs: 10 },
      }),
    );
    const events = socket.events();
    await socket.connect();
    const seen = await take(events, (e) => e.type === 'connection' && e.state === 'open' && e.isReconnect);
    expect(seen.filter((e) => e.type === 'connection').map((e) => e.state)).toEqual([
      'open',
      'closed',
      'reconnecting',
      'open',
    ]);
    expect(connections).toBe(2);
  });

  it('keeps a connection that answers pings', async () => {
    const { server, baseUrl } = await startServer();
    track(server);
    let connections = 0;
    server.on('connection', () => connections++);
    const socket = track(createComfySocket({ baseUrl, heartbeat: { intervalMs: 20, timeoutMs: 40 } }));
    await socket.connect();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(socket.isOpen).toBe(true);
    expect(connections).toBe(1);
  });

  it('close() closes the socket on the server side and ends the event stream', async () => {
    const { server, baseUrl } = await startServer();
    track(server);
    const serverClosed = new Promise<number>((resolve) =>
      server.on('connection', (ws: WebSocket) => ws.on('close', (code) => resolve(code))),
    );
    const socket = createComfySocket({ baseUrl });
    const events = socket.events();
    await socket.connect();
    await socket.close();
    expect(await serverClosed).toBe(1000);
    const seen = await take(events, () => false);
    expect(seen.map((e) => (e.type === 'connection' ? e.state : e.type))).toEqual(['open', 'closed']);
    expect(socket.state).toBe('closed');
  });
});
