// @vitest-environment node
/// <reference types="node" />
import type { ComfyStreamEvent } from '@atelier/contract';
import { EventSource } from 'eventsource';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { effectScope, nextTick, ref } from 'vue';
import type { LiveJob } from '../domain/job-state';
import { useJobStream, type UseJobStreamOptions } from './useJobStream';

// A real HTTP server speaking Server-Sent Events on an ephemeral port, and a real EventSource client
// (the `eventsource` package, which reconnects with Last-Event-ID exactly as browsers do).

interface Connection {
  req: IncomingMessage;
  res: ServerResponse;
  lastEventId: string | null;
  closed: Promise<void>;
}

let server: Server;
let base: string;
let connections: Connection[];
let onStream: (connection: Connection, index: number) => void;
let onStatus: (res: ServerResponse) => void;
const realFetch = globalThis.fetch;

const frame = (id: number, event: string, data: object) =>
  `id: ${id}\nevent: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
const open = (res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  // Reconnect quickly: the browser's default is 3 s.
  res.write('retry: 20\n\n');
};
const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};
const image = { filename: 'p1_00001_.png', subfolder: '', type: 'output' } as const;
const previewEvent = (seq: number) => ({
  prompt_id: 'p1',
  format: 'jpeg',
  mime: 'image/jpeg',
  seq,
  url: `/api/comfy/jobs/p1/preview?seq=${seq}`,
});
const jpegBytes = new Uint8Array([0xff, 0xd8, 0xff, 0xd9]);

beforeEach(async () => {
  connections = [];
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/api/comfy/stream/')) {
      const header = req.headers['last-event-id'];
      const connection: Connection = {
        req,
        res,
        lastEventId: (typeof header === 'string' ? header : null) ?? url.searchParams.get('lastEventId'),
        closed: new Promise((resolve) => res.on('close', () => resolve())),
      };
      connections.push(connection);
      onStream(connection, connections.length - 1);
    } else if (url.pathname.startsWith('/api/comfy/status/')) onStatus(res);
    else if (url.pathname === '/api/comfy/jobs/p1/preview' && url.searchParams.get('seq') === '42') {
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      res.end(jpegBytes);
    } else json(res, 404, { code: 'not_found', message: 'no' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // The app's HTTP client calls same-origin /api paths; send them to this server.
  vi.stubGlobal('fetch', (input: string, init?: RequestInit) => realFetch(`${base}${input}`, init));
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** useJobStream in its own effect scope, talking to the test server. */
function stream(promptId: Parameters<typeof useJobStream>[0], options: UseJobStreamOptions = {}) {
  const scope = effectScope();
  const state = scope.run(() =>
    useJobStream(promptId, {
      openEventSource: (url) => new EventSource(`${base}${url}`, { fetch: realFetch }),
      reconnect: { baseMs: 20, maxMs: 100 },
      ...options,
    }),
  )!;
  return { state, scope };
}

/** Resolves with the final state; collects every delivered event. */
function follow(promptId: string, withEvents = true) {
  const events: ComfyStreamEvent[] = [];
  let result!: ReturnType<typeof stream>;
  const done = new Promise<LiveJob>((resolve) => {
    result = stream(promptId, {
      onEvent: withEvents ? (event) => events.push(event) : undefined,
      onEnd: (job) => resolve({ ...job }),
    });
  });
  return { events, done, ...result };
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function fullRun({ res }: Connection): void {
  open(res);
  res.write(frame(1, 'status', { prompt_id: 'p1', status: 'queued', queue_position: 1 }));
  res.write(frame(2, 'progress', { prompt_id: 'p1', value: 1, max: 2, node: '3' }));
  res.write(frame(3, 'preview', previewEvent(7)));
  res.write(frame(4, 'progress', { prompt_id: 'p1', value: 2, max: 2, node: '3' }));
  res.write(frame(5, 'images', { prompt_id: 'p1', images: [image] }));
  res.write(frame(6, 'status', { prompt_id: 'p1', status: 'succeeded', images: [image] }));
  res.write(frame(7, 'done', { prompt_id: 'p1', status: 'succeeded' }));
  res.end();
}

describe('useJobStream', () => {
  it('delivers every event in order, then completes once and closes', async () => {
    onStream = fullRun;
    const { events, done } = follow('p1');
    const final = await done;
    expect(events.map((e) => `${e.id}:${e.event}`)).toEqual([
      '1:status',
      '2:progress',
      '3:preview',
      '4:progress',
      '5:images',
      '6:status',
      '7:done',
    ]);
    expect(final).toMatchObject({ prompt_id: 'p1', status: 'succeeded', images: [image] });
    expect(final.progress).toEqual({ value: 2, max: 2, node: '3' });
    await wait(80);
    expect(connections).toHaveLength(1);
  });

  it('needs no callback: its refs tell the state as it changes', async () => {
    onStream = fullRun;
    const { done, state } = follow('p1', false);
    await expect(done).resolves.toMatchObject({ status: 'succeeded', images: [image] });
    expect(state.status.value).toBe('succeeded');
    expect(state.images.value).toEqual([image]);
    expect(state.progress.value).toEqual({ value: 2, max: 2, node: '3' });
    expect(state.finishedAt.value).not.toBeNull();
    // The preview made way for the result; the stream is closed.
    expect(state.preview.value).toBeNull();
    expect(state.isOpen.value).toBe(false);
  });

  it('shows the preview and progress while the job runs', async () => {
    onStream = ({ res }) => {
      open(res);
      res.write(frame(1, 'status', { prompt_id: 'p1', status: 'queued', queue_position: 2 }));
      res.write(frame(2, 'progress', { prompt_id: 'p1', value: 1, max: 4, node: '3' }));
      res.write(frame(3, 'preview', previewEvent(42)));
    };
    const { state, scope } = stream('p1');
    // The preview event names where its bytes are; the image is fetched from there, once.
    await vi.waitFor(() => expect(state.preview.value).toBe('/api/comfy/jobs/p1/preview?seq=42'));
    const image = await fetch(state.preview.value!);
    expect(image.headers.get('content-type')).toBe('image/jpeg');
    expect(new Uint8Array(await image.arrayBuffer())).toEqual(jpegBytes);
    expect(state.status.value).toBe('running');
    expect(state.queuePosition.value).toBeUndefined();
    expect(state.progress.value).toEqual({ value: 1, max: 4, node: '3' });
    expect(state.isOpen.value).toBe(true);
    scope.stop();
    await connections[0]!.closed;
  });

  it('follows a new job when the id changes, closing the old stream', async () => {
    onStream = ({ res, req }) => {
      open(res);
      const id = req.url?.includes('/p2') ? 'p2' : 'p1';
      res.write(frame(1, 'status', { prompt_id: id, status: 'running' }));
    };
    const promptId = ref('p1');
    const { state, scope } = stream(promptId);
    await vi.waitFor(() => expect(state.status.value).toBe('running'));
    expect(state.promptId.value).toBe('p1');
    promptId.value = 'p2';
    await nextTick();
    await connections[0]!.closed;
    expect(state.promptId.value).toBe('p2');
    await vi.waitFor(() => expect(state.status.value).toBe('running'));
    expect(connections.map((c) => c.req.url)).toEqual(['/api/comfy/stream/p1', '/api/comfy/stream/p2']);
    scope.stop();
    await connections[1]!.closed;
  });

  it('closes the stream when the calling scope is disposed', async () => {
    let sent = false;
    onStream = ({ res }) => {
      open(res);
      res.write(frame(1, 'progress', { prompt_id: 'p1', value: 1, max: 9, node: '3' }));
      sent = true;
    };
    const onEvent = vi.fn();
    const onComplete = vi.fn();
    const { scope } = stream('p1', { onEvent, onEnd: onComplete });
    await vi.waitFor(() => expect(onEvent).toHaveBeenCalledTimes(1));
    scope.stop();
    await connections[0]!.closed;
    expect(sent).toBe(true);
    connections[0]!.res.write(frame(2, 'done', { prompt_id: 'p1', status: 'succeeded' }));
    await wait(50);
    expect(onEvent).toHaveBeenCalledTimes(1);
    expect(onComplete).not.toHaveBeenCalled();
    expect(connections).toHaveLength(1);
  });

  it('resumes a dropped connection from the last event, without losing or repeating any', async () => {
    onStream = ({ res, lastEventId }, index) => {
      open(res);
      if (index === 0) {
        res.write(frame(1, 'status', { prompt_id: 'p1', status: 'running' }));
        res.write(frame(2, 'progress', { prompt_id: 'p1', value: 1, max: 3, node: '3' }));
        // The network drops mid-job.
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      expect(lastEventId).toBe('2');
      // A server may resend the last event it is unsure about; it must not arrive twice.
      res.write(frame(2, 'progress', { prompt_id: 'p1', value: 1, max: 3, node: '3' }));
      res.write(frame(3, 'progress', { prompt_id: 'p1', value: 2, max: 3, node: '3' }));
      res.write(frame(4, 'progress', { prompt_id: 'p1', value: 3, max: 3, node: '3' }));
      res.write(frame(5, 'done', { prompt_id: 'p1', status: 'succeeded' }));
      res.end();
    };
    const { events, done } = follow('p1');
    await expect(done).resolves.toMatchObject({ status: 'succeeded' });
    expect(connections).toHaveLength(2);
    expect(connections[1]!.lastEventId).toBe('2');
    expect(events.map((e) => e.id)).toEqual(['1', '2', '3', '4', '5']);
    expect(
      events.filter((e) => e.event === 'progress').map((e) => (e.data as { value: number }).value),
    ).toEqual([1, 2, 3]);
  });

  it('when the server refuses the stream, reads the status and reopens from where it was', async () => {
    onStatus = (res) => json(res, 200, { prompt_id: 'p1', status: 'running' });
    onStream = ({ res }, index) => {
      if (index === 0) {
        open(res);
        res.write(frame(1, 'status', { prompt_id: 'p1', status: 'running' }));
        res.write(frame(2, 'progress', { prompt_id: 'p1', value: 1, max: 2, node: '3' }));
        res.end();
      } else if (index === 1) {
        // The API restarting: EventSource gives up on a non-200 answer.
        json(res, 503, { code: 'comfy.unreachable', message: 'down' });
      } else {
        open(res);
        res.write(frame(3, 'progress', { prompt_id: 'p1', value: 2, max: 2, node: '3' }));
        res.write(frame(4, 'done', { prompt_id: 'p1', status: 'succeeded' }));
        res.end();
      }
    };
    const { events, done } = follow('p1');
    await expect(done).resolves.toMatchObject({ status: 'succeeded' });
    expect(connections.map((c) => c.lastEventId)).toEqual([null, '2', '2']);
    expect(events.map((e) => e.id)).toEqual(['1', '2', '3', '4']);
  });

  it('completes from the status when the job ended while nobody listened (204)', async () => {
    onStream = ({ res }) => {
      res.writeHead(204);
      res.end();
    };
    onStatus = (res) => json(res, 200, { prompt_id: 'p1', status: 'succeeded', images: [image] });
    const { done } = follow('p1', false);
    await expect(done).resolves.toMatchObject({ status: 'succeeded', images: [image] });
    await wait(60);
    expect(connections).toHaveLength(1);
  });

  it('reports a job the server no longer knows as lost', async () => {
    onStream = ({ res }) => json(res, 404, { code: 'comfy.job_not_found', message: 'gone' });
    onStatus = (res) => json(res, 404, { code: 'comfy.job_not_found', message: 'gone' });
    const { done } = follow('p1', false);
    await expect(done).resolves.toMatchObject({ status: 'lost' });
  });
});
