import {
  comfyStreamEventNames,
  type ComfyStatusResponse,
  type ComfyStreamEvent,
  type JobStatus,
} from '@atelier/contract';
import { comfyApi, comfyPreviewUrl, comfyStreamUrl } from './comfy';
import { isTerminal } from '../domain/job-state';
import { ApiError } from './http';

/** The part of EventSource the stream uses (the browser's, or a Node polyfill in tests). */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: Event) => void): void;
  close(): void;
}

export interface JobStreamHandlers {
  /** Each event once, in order, `done` included. */
  onEvent(event: ComfyStreamEvent): void;
  /** The job's status, read when the server refused the stream. */
  onStatus(status: ComfyStatusResponse): void;
  /** Once, when the job is over: after `done`, a terminal status, or `lost` for a job the server forgot. */
  onEnd(status: JobStatus): void;
  /** A status read that failed while reconnecting (the stream tries again). */
  onFailure?(error: unknown): void;
}

export interface JobStreamOptions {
  /** Opens the stream; tests point it at a real SSE server. */
  openEventSource?: (url: string) => EventSourceLike;
  /** Reconnect delays of a stream the server refused (ms): base, doubling up to max. */
  reconnect?: { baseMs: number; maxMs: number };
}

const CLOSED = 2;

/**
 * Follows one job over GET /api/comfy/stream/:id. The browser's EventSource resumes a dropped stream
 * with Last-Event-ID; when the server refuses the stream instead (a restart, an expired session, 204
 * for a job already over) the job's status is read and a new stream opened after a backoff with
 * `?lastEventId=`. Events already seen are never delivered twice. Returns `close`.
 */
export function openJobStream(
  promptId: string,
  handlers: JobStreamHandlers,
  options: JobStreamOptions = {},
): () => void {
  const openEventSource =
    options.openEventSource ?? ((url: string) => new EventSource(url, { withCredentials: true }));
  const reconnect = options.reconnect ?? { baseMs: 1000, maxMs: 15_000 };
  const seen = new Set<string>();
  let lastEventId: string | null = null;
  let source: EventSourceLike | null = null;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let failures = 0;
  let isClosed = false;

  function close(): void {
    isClosed = true;
    source?.close();
    source = null;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
  }

  function end(status: JobStatus): void {
    if (isClosed) return;
    close();
    handlers.onEnd(status);
  }

  function receive(name: ComfyStreamEvent['event'], raw: Event): void {
    // EventSource reports its own connection errors as plain `error` events, without data.
    const message = raw as MessageEvent<unknown>;
    if (isClosed || typeof message.data !== 'string') return;
    const id = message.lastEventId || null;
    if (id !== null) {
      if (seen.has(id)) return;
      seen.add(id);
      lastEventId = id;
    }
    let data: unknown;
    try {
      data = JSON.parse(message.data);
    } catch {
      return;
    }
    const event = { event: name, id: id ?? '', data } as ComfyStreamEvent;
    // A preview names its bytes by seq; fetch them under this app's API base.
    if (event.event === 'preview') event.data.url = comfyPreviewUrl(promptId, event.data.seq);
    handlers.onEvent(event);
    if (event.event === 'done') end(event.data.status);
  }

  function open(): void {
    const base = comfyStreamUrl(promptId);
    // A fresh EventSource cannot set Last-Event-ID itself; the query carries it instead.
    const url = lastEventId ? `${base}?lastEventId=${encodeURIComponent(lastEventId)}` : base;
    const stream = openEventSource(url);
    source = stream;
    for (const name of comfyStreamEventNames) stream.addEventListener(name, (raw) => receive(name, raw));
    stream.addEventListener('open', () => {
      failures = 0;
    });
    stream.addEventListener('error', (raw) => {
      if (isClosed || source !== stream || typeof (raw as MessageEvent).data === 'string') return;
      if (stream.readyState === CLOSED) void recover();
    });
  }

  // The server refused the stream: ask for the status (this also refreshes an expired session).
  async function recover(): Promise<void> {
    source = null;
    try {
      const status = await comfyApi.status(promptId);
      if (isClosed) return;
      handlers.onStatus(status);
      if (isTerminal(status.status)) return end(status.status);
    } catch (error) {
      if (isClosed) return;
      if (error instanceof ApiError && (error.status === 404 || error.code === 'comfy.job_not_found'))
        return end('lost');
      handlers.onFailure?.(error);
    }
    const delay = Math.min(reconnect.maxMs, reconnect.baseMs * 2 ** failures++);
    retryTimer = setTimeout(() => {
      retryTimer = null;
      if (!isClosed) open();
    }, delay);
  }

  open();
  return close;
}
