import { startComfySim } from '@atelier/comfy-sim';
import {
  createComfyClient,
  type ComfyClient,
  type ComfyClientOptions,
  type ComfySocket,
  type ComfySocketEvent,
  type ComfySocketOptions,
  type JobState,
} from '../src/index.js';

export type Sim = Awaited<ReturnType<typeof startComfySim>>;

export interface Harness {
  sim: Sim;
  client: ComfyClient;
  /** Every request the client made, in order. */
  requests: { method: string; path: string }[];
  /** A socket for the client's clientId with quick reconnects; closed by `close()`. */
  socket(options?: Omit<ComfySocketOptions, 'baseUrl' | 'clientId' | 'pathPrefix'>): ComfySocket;
  close(): Promise<void>;
}

/** The simulator on an ephemeral port, a client with short timeouts/backoff, and request logging. */
export async function startHarness(
  options: { client?: Partial<ComfyClientOptions>; stepMs?: number } = {},
): Promise<Harness> {
  const sim = await startComfySim({ port: 0, stepMs: options.stepMs ?? 5, previews: true });
  const requests: Harness['requests'] = [];
  const baseFetch = options.client?.fetch ?? globalThis.fetch;
  const loggingFetch: typeof fetch = (input, init) => {
    const url = new URL(urlOf(input));
    requests.push({ method: init?.method ?? 'GET', path: url.pathname });
    return baseFetch(input, init);
  };
  const client = createComfyClient({
    baseUrl: sim.url,
    timeoutMs: 2_000,
    retryBaseDelayMs: 10,
    retryMaxDelayMs: 40,
    ...options.client,
    fetch: loggingFetch,
  });
  const sockets: ComfySocket[] = [];
  return {
    sim,
    client,
    requests,
    socket(socketOptions = {}) {
      const socket = client.socket({ reconnect: { baseDelayMs: 20, maxDelayMs: 100 }, ...socketOptions });
      sockets.push(socket);
      return socket;
    },
    async close() {
      await Promise.all(sockets.map((s) => s.close()));
      await sim.close();
    },
  };
}

/** Collects a job's states, failing the test instead of hanging if it does not end in time. */
export async function collectStates(states: AsyncIterableIterator<JobState>, timeoutMs = 10_000) {
  const all: JobState[] = [];
  const timer = setTimeout(() => void states.return?.(), timeoutMs);
  try {
    for await (const state of states) all.push(state);
  } finally {
    clearTimeout(timer);
  }
  return all;
}

/** Resolves with the first socket event matching `predicate`. */
export function nextEvent(
  socket: ComfySocket,
  predicate: (event: ComfySocketEvent) => boolean,
  timeoutMs = 10_000,
) {
  return new Promise<ComfySocketEvent>((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error('timed out waiting for a socket event'));
    }, timeoutMs);
    const off = socket.on((event) => {
      if (!predicate(event)) return;
      clearTimeout(timer);
      off();
      resolve(event);
    });
  });
}

export function urlOf(input: string | URL | Request): string {
  if (input instanceof Request) return input.url;
  return input instanceof URL ? input.href : input;
}

export const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export async function readAll(stream: ReadableStream<Uint8Array>): Promise<Uint8Array> {
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

export function statusTrail(states: JobState[]): string[] {
  return states.map((s) => s.status).filter((status, i, all) => i === 0 || all[i - 1] !== status);
}
