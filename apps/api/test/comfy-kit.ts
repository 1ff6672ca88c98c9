import { startComfySim, type ComfySim, type SimOptions } from '@atelier/comfy-sim';
import type { ComfyStreamEventName } from '@atelier/contract';
import { defaultTxt2ImgGraph } from '@atelier/workflow';
import { EventSource } from 'eventsource';
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestApp, type TestApp, type TestAppOptions } from './test-app.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

/** The shipped preset, copied into each test app's root (its presets dir is <root>/config/comfy/presets). */
export const presetFiles: Record<string, string> = {
  'config/comfy/presets/sample_basic_sdxl.json': readFileSync(
    join(repoRoot, 'config/comfy/presets/sample_basic_sdxl.json'),
    'utf8',
  ),
};

/** Timings short enough for tests: fast watchdog, fast socket reconnects, fast polling. */
export function comfyEnv(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    COMFY_ENABLED: 'true',
    COMFY_API_URL: url,
    COMFY_TIMEOUT: '5',
    ATELIER_COMFY_WATCHDOG_INTERVAL_MS: '100',
    ATELIER_COMFY_POLL_INTERVAL_MS: '100',
    COMFY_RECONNECT_BASE_DELAY_S: '0.05',
    COMFY_RECONNECT_MAX_DELAY_S: '0.2',
    COMFY_RECONNECT_MAX_ATTEMPTS: '100',
    // The warm-up on connect posts a prompt of its own: suites that count requests or read the history want none.
    COMFY_WARMUP_ON_CONNECT: 'false',
    ...extra,
  };
}

export interface ComfyHarness {
  sim: ComfySim;
  app: TestApp;
  close(): Promise<void>;
}

/**
 * Raw graphs (POST /queue) need the curator role by default (graph-policy.ts); suites that queue their own graphs
 * as a plain user to test something else set this up.
 */
export const usersQueueGraphs = { COMFY_RAW_GRAPH_MIN_ROLE: 'user' } as const;

/** A fresh simulator and the real API wired to it. */
export async function startComfyHarness(
  options: {
    sim?: SimOptions;
    env?: Record<string, string>;
    app?: Omit<TestAppOptions, 'env'>;
    simDown?: boolean;
  } = {},
): Promise<ComfyHarness> {
  const sim = await startComfySim({ port: 0, stepMs: 10, ...options.sim });
  if (options.simDown) await sim.goDown();
  let app: TestApp;
  try {
    app = await createTestApp({
      files: presetFiles,
      ...options.app,
      env: comfyEnv(sim.url, options.env),
    });
  } catch (error) {
    await sim.close();
    throw error;
  }
  return {
    sim,
    app,
    async close() {
      await app.close();
      await sim.close();
    },
  };
}

/** GET a JSON document straight from the simulator, on a fresh connection (restarts cut pooled ones). */
export function simJson(sim: ComfySim, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(`${sim.url}${path}`, { agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        try {
          resolve(JSON.parse(body) as unknown);
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
    request.on('error', reject);
    request.end();
  });
}

/** Polls `probe` until `accept` says yes (or fails after `timeoutMs` with the last value). */
export async function waitFor<T>(
  probe: () => Promise<T> | T,
  accept: (value: T) => boolean,
  { timeoutMs = 8000, intervalMs = 25 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (accept(value)) return value;
    if (Date.now() > deadline) throw new Error(`waitFor timed out; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A model-free graph that finishes in a few steps: EmptyImage → SaveImage. */
export function quickWorkflow(prefix = 'atelier/test'): Record<string, unknown> {
  return {
    '1': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: 0 } },
    '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: prefix } },
  };
}

/** The default txt2img graph with many sampler steps: runs `steps × stepMs`, reporting progress on the way. */
export function samplerWorkflow(steps: number, caption = 'a lighthouse'): Record<string, unknown> {
  const graph = defaultTxt2ImgGraph('atelier/long');
  Object.assign(graph['3']!.inputs, { seed: 1, steps, cfg: 7, sampler_name: 'euler', scheduler: 'normal' });
  graph['4']!.inputs.ckpt_name = 'sd_xl_base_1.0.safetensors';
  Object.assign(graph['5']!.inputs, { width: 64, height: 64, batch_size: 1 });
  graph['6']!.inputs.text = caption;
  graph['7']!.inputs.text = '';
  return graph;
}

export interface SseEvent {
  id: string | null;
  event: ComfyStreamEventName | 'message';
  data: unknown;
}

/** A raw SSE client (node:http) that keeps every event, comment count and the response head. */
export class SseClient {
  readonly events: SseEvent[] = [];
  comments = 0;
  status = 0;
  headers: IncomingMessage['headers'] = {};
  ended = false;
  private request: ReturnType<typeof httpRequest> | null = null;
  private waiters: (() => void)[] = [];

  static open(url: string, headers: Record<string, string>): Promise<SseClient> {
    const client = new SseClient();
    return new Promise((resolve, reject) => {
      const request = httpRequest(
        url,
        { headers: { Accept: 'text/event-stream', ...headers } },
        (response) => {
          client.status = response.statusCode ?? 0;
          client.headers = response.headers;
          response.setEncoding('utf8');
          let buffer = '';
          response.on('data', (chunk: string) => {
            buffer += chunk;
            let end: number;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              client.parse(buffer.slice(0, end));
              buffer = buffer.slice(end + 2);
            }
          });
          response.on('end', () => {
            client.ended = true;
            client.wake();
          });
          response.on('error', () => undefined);
          resolve(client);
        },
      );
      request.on('error', reject);
      request.end();
      client.request = request;
    });
  }

  /** Resolves once `accept` holds for the events so far. */
  async until(accept: (events: SseEvent[]) => boolean, timeoutMs = 8000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (!accept(this.events)) {
      if (this.ended) throw new Error(`stream ended; events: ${this.names().join(',')}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; events: ${this.names().join(',')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.events;
  }

  /** Resolves when the server ends the stream. */
  async finished(timeoutMs = 8000): Promise<SseEvent[]> {
    const deadline = Date.now() + timeoutMs;
    while (!this.ended) {
      if (Date.now() > deadline) throw new Error(`stream did not end; events: ${this.names().join(',')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.events;
  }

  names(): string[] {
    return this.events.map((event) => event.event);
  }

  close(): void {
    this.request?.destroy();
  }

  private parse(block: string): void {
    let id: string | null = null;
    let event = 'message';
    const data: string[] = [];
    let isComment = true;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      isComment = false;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    }
    if (isComment) {
      this.comments += 1;
    } else if (data.length > 0) {
      this.events.push({
        id,
        event: event as SseEvent['event'],
        data: JSON.parse(data.join('\n')) as unknown,
      });
    }
    this.wake();
  }

  private wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

/**
 * A TCP relay in front of the simulator that counts HTTP requests by path (and passes WebSocket
 * upgrades through), so tests can tell whether the API contacted ComfyUI at all.
 */
export class CountingProxy {
  readonly paths: string[] = [];
  /** The same requests as `METHOD /path` (a POST /prompt is a job posted; a GET reads the queue). */
  readonly requests: string[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  url = '';

  private constructor(targetPort: number) {
    this.server = createServer((incoming) => {
      const upstream = connect(targetPort, '127.0.0.1');
      this.track(incoming, upstream);
      incoming.on('data', (chunk: Buffer) => {
        // Request lines of every request on this keep-alive connection (small requests: one chunk each).
        for (const match of chunk
          .toString('latin1')
          .matchAll(/(?:^|\r\n)(GET|POST|HEAD) (\S+) HTTP\/1\.1\r\n/g)) {
          const path = new URL(match[2] ?? '/', 'http://x').pathname;
          this.paths.push(path);
          this.requests.push(`${match[1]} ${path}`);
        }
        upstream.write(chunk);
      });
      upstream.pipe(incoming);
      incoming.on('end', () => upstream.end());
    });
  }

  static async start(targetPort: number): Promise<CountingProxy> {
    const proxy = new CountingProxy(targetPort);
    await new Promise<void>((resolve) => proxy.server.listen(0, '127.0.0.1', resolve));
    const address = proxy.server.address();
    proxy.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return proxy;
  }

  count(path: string): number {
    return this.paths.filter((p) => p === path || p === `/api${path}`).length;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private track(...sockets: Socket[]): void {
    for (const socket of sockets) {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    const [a, b] = sockets;
    a?.on('close', () => b?.destroy());
    b?.on('close', () => a?.destroy());
  }
}

/** A browser-like EventSource on a job's stream, signed in by cookie, following it to its end. */
export interface FollowedStream {
  source: EventSource;
  /** The events named when following, in order, with their ids. */
  received: { name: string; id: string }[];
  /** The data of `done`. */
  done: Promise<unknown>;
  /** Resolves once the server has ended the stream (and the source is closed). */
  ended: Promise<void>;
}

export function followWithEventSource(
  url: string,
  cookie: string,
  names: readonly ComfyStreamEventName[] = ['status', 'progress', 'images'],
): FollowedStream {
  const source = new EventSource(url, {
    fetch: (input, init) => fetch(input, { ...init, headers: { ...init?.headers, Cookie: cookie } }),
  });
  const received: { name: string; id: string }[] = [];
  const done = new Promise<unknown>((resolve) => {
    source.addEventListener('done', (event) => resolve(JSON.parse(event.data) as unknown));
  });
  // The server ends the stream after done; EventSource reports that as an error (it would reconnect).
  // Closing it only then, not from the done handler: aborting its fetch leaves undici a stray connection.
  const ended = new Promise<void>((resolve) => {
    source.addEventListener('error', () => {
      source.close();
      resolve();
    });
  });
  for (const name of names)
    source.addEventListener(name, (event) => received.push({ name, id: event.lastEventId }));
  return { source, received, done, ended };
}
