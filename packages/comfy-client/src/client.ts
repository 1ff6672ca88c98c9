import type { NodeClassInfo, ObjectInfo } from '@atelier/contract';
import { randomUUID } from 'node:crypto';
import { ComfyHttpError, ComfyProtocolError, ComfyValidationError } from './errors.js';
import { createComfySocket, type ComfySocket, type ComfySocketOptions } from './events.js';
import { trackJob, waitForJob, type JobState, type TerminalJobState, type TrackJobOptions } from './jobs.js';
import {
  findInQueue,
  parseHistory,
  parseObjectInfo,
  parsePromptRejection,
  parseQueue,
  parseQueuePromptResult,
  parseQueueRemaining,
  parseSystemStats,
  parseUploadResult,
  type ComfyPrompt,
  type HistoryEntry,
  type ImageRef,
  type QueuePromptResult,
  type QueueSnapshot,
  type SystemStats,
  type UploadResult,
} from './responses.js';
import { Transport, type TransportOptions } from './transport.js';

/** The transport's options (base URL, timeout, retries, prefix, headers) plus the socket's client id. */
export interface ComfyClientOptions extends TransportOptions {
  /** The clientId used by `queuePrompt` and `socket()`; defaults to a random UUID. */
  clientId?: string;
}

export interface CallOptions {
  signal?: AbortSignal;
  /** Overrides the client's timeout for this call. */
  timeoutMs?: number;
}

export interface GetQueueOptions extends CallOptions {
  /**
   * Only an answer to a request sent after this call: never the one already in flight, whose snapshot may
   * predate what the caller just learnt (a socket event, its own subscription). Fresh callers share the next
   * request, sent once the one in flight is answered (so one GET /queue at a time).
   */
  fresh?: boolean;
}

/** Queue jumping, only when asked for: `front` runs next, `number` sets the priority explicitly. */
export type QueuePriority = { front: true } | { number: number };

export interface QueuePromptOptions extends CallOptions {
  /** Our own id, so a retry can tell whether the first POST got through; defaults to a random UUID. */
  promptId?: string;
  /** Whose socket receives the events; defaults to the client's clientId; `null` sends none. */
  clientId?: string | null;
  /** Stored with the prompt (e.g. `{ extra_pnginfo: { workflow } }`; SaveImage embeds it in PNGs). */
  extraData?: Record<string, unknown>;
  priority?: QueuePriority;
}

export interface QueuedPrompt extends QueuePromptResult {
  /** True when a retry found the prompt already queued (or finished) and did not post it again. */
  recovered: boolean;
}

export interface ViewOptions extends CallOptions {
  /** ComfyUI re-encodes on the fly, e.g. `webp;50`. */
  preview?: string;
  channel?: 'rgba' | 'rgb' | 'a';
}

export interface ViewResult {
  body: ReadableStream<Uint8Array>;
  contentType: string;
  contentLength: number | null;
  /** From `Content-Disposition`. */
  filename: string | null;
}

export interface UploadImageOptions extends CallOptions {
  subfolder?: string;
  type?: 'input' | 'temp' | 'output';
  /** Replace a same-named file (otherwise ComfyUI renames: `name (1).png`, unless the bytes are identical). */
  overwrite?: boolean;
}

/** Typed access to one ComfyUI server. Create with `createComfyClient`. */
export class ComfyClient {
  readonly clientId: string;
  private readonly transport: Transport;
  private readonly options: ComfyClientOptions;
  /** The shared GET /queue sent and not yet answered. */
  private queueInFlight: Promise<QueueSnapshot> | null = null;
  /** The shared GET /queue still to be sent (fresh callers wait for it). */
  private queueNext: Promise<QueueSnapshot> | null = null;

  constructor(options: ComfyClientOptions) {
    this.options = options;
    this.transport = new Transport(options);
    this.clientId = options.clientId ?? randomUUID();
  }

  get baseUrl(): string {
    return this.transport.baseUrl;
  }

  /**
   * POST /prompt. Retried like an idempotent call because the prompt carries our own `prompt_id`: before
   * posting again, the retry looks the id up in /queue and /history and returns it if it is there.
   * Throws ComfyValidationError (400) with the per-node, per-input errors.
   */
  async queuePrompt(prompt: ComfyPrompt, options: QueuePromptOptions = {}): Promise<QueuedPrompt> {
    const promptId = options.promptId ?? randomUUID();
    const clientId = options.clientId === undefined ? this.clientId : options.clientId;
    const body: Record<string, unknown> = { prompt, prompt_id: promptId };
    if (clientId !== null) body.client_id = clientId;
    if (options.extraData) body.extra_data = options.extraData;
    if (options.priority && 'front' in options.priority) body.front = true;
    else if (options.priority) body.number = options.priority.number;

    return this.transport.retrying({ idempotent: true, signal: options.signal }, async (attempt) => {
      if (attempt > 0) {
        const existing = await this.lookUp(promptId, options);
        if (existing) return existing;
      }
      let raw: unknown;
      try {
        raw = await this.transport.json({
          method: 'POST',
          path: '/prompt',
          json: body,
          idempotent: false,
          signal: options.signal,
          timeoutMs: options.timeoutMs,
        });
      } catch (error) {
        throw toValidationError(error) ?? error;
      }
      const result = parseQueuePromptResult(raw);
      if (!result) throw protocolError('/prompt', raw, 'Unexpected answer to POST /prompt');
      return { ...result, recovered: false };
    });
  }

  /** Finds a prompt we may already have posted: in the queue, or already in history (queue first: see jobs). */
  private async lookUp(promptId: string, options: CallOptions): Promise<QueuedPrompt | null> {
    // Single attempts: the surrounding retry loop already backs off.
    const call = {
      method: 'GET',
      idempotent: false,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    } as const;
    const rawQueue = await this.transport.json({ ...call, path: '/queue' });
    const queue =
      parseQueue(rawQueue) ?? throwProtocol('/queue', rawQueue, 'Unexpected answer to GET /queue');
    const found = findInQueue(queue, promptId);
    if (found) return { promptId, number: found.item.number, nodeErrors: [], recovered: true };
    const path = `/history/${encodeURIComponent(promptId)}`;
    const rawHistory = await this.transport.json({ ...call, path });
    const entry = parseHistory(rawHistory)?.find((e) => e.promptId === promptId);
    if (entry) return { promptId, number: entry.number ?? 0, nodeErrors: [], recovered: true };
    return null;
  }

  /**
   * GET /queue: running and pending prompts, pending sorted into run order. Many trackers may ask at once
   * (every `status` broadcast), so callers share requests: by default one joins the request in flight;
   * `fresh` callers only join one sent after they asked (see GetQueueOptions). A `signal` or `timeoutMs`
   * makes a request of its own.
   */
  async getQueue(options: GetQueueOptions = {}): Promise<QueueSnapshot> {
    const { fresh = false, ...call } = options;
    if (call.signal || call.timeoutMs !== undefined) return this.fetchQueue(call);
    if (!fresh && this.queueInFlight) return this.queueInFlight;
    this.queueNext ??= this.nextQueue();
    return this.queueNext;
  }

  /** Sends the next shared GET /queue: after the one in flight is answered, else on the next turn. */
  private async nextQueue(): Promise<QueueSnapshot> {
    const previous = this.queueInFlight;
    // Callers of this turn (e.g. a burst of trackers starting) join before it goes out.
    if (previous) await previous.catch(() => undefined);
    else await new Promise((resolve) => setImmediate(resolve));
    this.queueNext = null;
    const sent = this.fetchQueue({});
    this.queueInFlight = sent;
    try {
      return await sent;
    } finally {
      if (this.queueInFlight === sent) this.queueInFlight = null;
    }
  }

  private async fetchQueue(options: CallOptions): Promise<QueueSnapshot> {
    const raw = await this.transport.json({ method: 'GET', path: '/queue', idempotent: true, ...options });
    return parseQueue(raw) ?? throwProtocol('/queue', raw, 'Unexpected answer to GET /queue');
  }

  /** GET /prompt: prompts running + pending. */
  async getQueueRemaining(options: CallOptions = {}): Promise<number> {
    const raw = await this.transport.json({ method: 'GET', path: '/prompt', idempotent: true, ...options });
    return parseQueueRemaining(raw) ?? throwProtocol('/prompt', raw, 'Unexpected answer to GET /prompt');
  }

  /** POST /queue {delete}: removes pending prompts (a running one is not stopped: use `interrupt`). */
  async deleteFromQueue(promptIds: string[], options: CallOptions = {}): Promise<void> {
    await this.transport.empty({
      method: 'POST',
      path: '/queue',
      json: { delete: promptIds },
      idempotent: true,
      ...options,
    });
  }

  /** POST /queue {clear}: removes every pending prompt (the running one stays). */
  async clearQueue(options: CallOptions = {}): Promise<void> {
    await this.transport.empty({
      method: 'POST',
      path: '/queue',
      json: { clear: true },
      idempotent: false,
      ...options,
    });
  }

  /**
   * POST /interrupt: stops the running prompt after its current node. Never retried (a late retry could
   * stop the next prompt). `promptId` is sent for servers that support targeted interrupts; older ones
   * interrupt whatever runs.
   */
  async interrupt(options: CallOptions & { promptId?: string } = {}): Promise<void> {
    const { promptId, ...call } = options;
    await this.transport.empty({
      method: 'POST',
      path: '/interrupt',
      json: promptId === undefined ? {} : { prompt_id: promptId },
      idempotent: false,
      ...call,
    });
  }

  /**
   * Cancels one prompt wherever it is: deleted if pending, interrupted if running.
   * Resolves to what was done, or `'not_found'` if it is in neither list.
   */
  async cancel(
    promptId: string,
    options: CallOptions = {},
  ): Promise<'deleted' | 'interrupted' | 'not_found'> {
    const found = findInQueue(await this.fetchQueue(options), promptId);
    if (!found) return 'not_found';
    if (found.where === 'pending') {
      await this.deleteFromQueue([promptId], options);
      return 'deleted';
    }
    await this.interrupt({ ...options, promptId });
    return 'interrupted';
  }

  /** GET /history/{id}: the finished prompt, or null while queued/running or when unknown. */
  getHistory(promptId: string, options?: CallOptions): Promise<HistoryEntry | null>;
  /** GET /history?max_items=N: the newest N finished prompts (oldest first, as the server lists them). */
  getHistory(query: { maxItems?: number }, options?: CallOptions): Promise<HistoryEntry[]>;
  async getHistory(
    target: string | { maxItems?: number },
    options: CallOptions = {},
  ): Promise<HistoryEntry | null | HistoryEntry[]> {
    if (typeof target === 'string') {
      const path = `/history/${encodeURIComponent(target)}`;
      const raw = await this.transport.json({ method: 'GET', path, idempotent: true, ...options });
      const entries = parseHistory(raw) ?? throwProtocol(path, raw, 'Unexpected answer to GET /history/{id}');
      return entries.find((e) => e.promptId === target) ?? null;
    }
    const maxItems = target.maxItems;
    if (maxItems !== undefined && (!Number.isInteger(maxItems) || maxItems < 1))
      throw new RangeError(`maxItems must be a positive integer, got ${maxItems}`);
    const raw = await this.transport.json({
      method: 'GET',
      path: '/history',
      query: { max_items: maxItems },
      idempotent: true,
      ...options,
    });
    return parseHistory(raw) ?? throwProtocol('/history', raw, 'Unexpected answer to GET /history');
  }

  /** POST /history {delete}. */
  async deleteHistory(promptIds: string[], options: CallOptions = {}): Promise<void> {
    await this.transport.empty({
      method: 'POST',
      path: '/history',
      json: { delete: promptIds },
      idempotent: true,
      ...options,
    });
  }

  /** POST /history {clear}. */
  async clearHistory(options: CallOptions = {}): Promise<void> {
    await this.transport.empty({
      method: 'POST',
      path: '/history',
      json: { clear: true },
      idempotent: false,
      ...options,
    });
  }

  /**
   * GET /view as a stream with its content type. The caller must read or cancel `body`. A missing file
   * is ComfyHttpError 404; a traversal attempt 400/403 (ComfyUI's own checks).
   */
  view(image: ImageRef, options?: ViewOptions): Promise<ViewResult>;
  view(filename: string, subfolder?: string, type?: string, options?: ViewOptions): Promise<ViewResult>;
  async view(
    target: ImageRef | string,
    subfolderOrOptions?: string | ViewOptions,
    type?: string,
    viewOptions?: ViewOptions,
  ): Promise<ViewResult> {
    const ref: ImageRef =
      typeof target === 'string'
        ? {
            filename: target,
            subfolder: typeof subfolderOrOptions === 'string' ? subfolderOrOptions : '',
            type: type ?? 'output',
          }
        : target;
    const options = (typeof subfolderOrOptions === 'object' ? subfolderOrOptions : viewOptions) ?? {};
    const response = await this.transport.stream({
      method: 'GET',
      path: '/view',
      query: {
        filename: ref.filename,
        subfolder: ref.subfolder,
        type: ref.type,
        preview: options.preview,
        channel: options.channel,
      },
      idempotent: true,
      signal: options.signal,
      timeoutMs: options.timeoutMs,
    });
    const length = Number(response.headers.get('content-length'));
    return {
      body: response.body,
      contentType: response.headers.get('content-type') ?? 'application/octet-stream',
      contentLength: response.headers.has('content-length') && Number.isFinite(length) ? length : null,
      filename: filenameFromDisposition(response.headers.get('content-disposition')),
    };
  }

  /** GET /object_info: every node class. */
  objectInfo(options?: CallOptions): Promise<ObjectInfo>;
  /** GET /object_info/{class}: one node class, or null if the server does not know it. */
  objectInfo(nodeClass: string, options?: CallOptions): Promise<NodeClassInfo | null>;
  async objectInfo(
    nodeClassOrOptions?: string | CallOptions,
    maybeOptions: CallOptions = {},
  ): Promise<ObjectInfo | NodeClassInfo | null> {
    const nodeClass = typeof nodeClassOrOptions === 'string' ? nodeClassOrOptions : undefined;
    const options = typeof nodeClassOrOptions === 'object' ? nodeClassOrOptions : maybeOptions;
    const path = nodeClass === undefined ? '/object_info' : `/object_info/${encodeURIComponent(nodeClass)}`;
    const raw = await this.transport.json({ method: 'GET', path, idempotent: true, ...options });
    const info = parseObjectInfo(raw) ?? throwProtocol(path, raw, 'Unexpected answer to GET /object_info');
    return nodeClass === undefined ? info : (info[nodeClass] ?? null);
  }

  /**
   * POST /upload/image (multipart field `image`). Retried: ComfyUI stores identical bytes only once (a
   * same-named file with the same bytes is reused, even a renamed `name (1).png`), so a repeat is harmless.
   */
  async uploadImage(
    bytes: Uint8Array | ArrayBuffer | Blob,
    name: string,
    options: UploadImageOptions = {},
  ): Promise<UploadResult> {
    const blob = bytes instanceof Blob ? bytes : new Blob([copyBytes(bytes)], { type: mimeFromName(name) });
    // A fresh FormData per attempt: a body cannot be sent twice.
    const form = () => {
      const data = new FormData();
      data.append('image', blob, name);
      if (options.subfolder !== undefined) data.append('subfolder', options.subfolder);
      if (options.type !== undefined) data.append('type', options.type);
      if (options.overwrite) data.append('overwrite', 'true');
      return data;
    };
    return this.transport.retrying({ idempotent: true, signal: options.signal }, async () => {
      const raw = await this.transport.json({
        method: 'POST',
        path: '/upload/image',
        form: form(),
        idempotent: false,
        signal: options.signal,
        timeoutMs: options.timeoutMs,
      });
      return (
        parseUploadResult(raw) ??
        throwProtocol('/upload/image', raw, 'Unexpected answer to POST /upload/image')
      );
    });
  }

  /** GET /system_stats. */
  async systemStats(options: CallOptions = {}): Promise<SystemStats> {
    const raw = await this.transport.json({
      method: 'GET',
      path: '/system_stats',
      idempotent: true,
      ...options,
    });
    return (
      parseSystemStats(raw) ?? throwProtocol('/system_stats', raw, 'Unexpected answer to GET /system_stats')
    );
  }

  /** A socket for this client's clientId (not yet connected: call `connect()`). */
  socket(options: Omit<ComfySocketOptions, 'baseUrl' | 'clientId' | 'pathPrefix'> = {}): ComfySocket {
    return createComfySocket({
      ...options,
      baseUrl: this.options.baseUrl,
      pathPrefix: this.options.pathPrefix,
      clientId: this.clientId,
      random: options.random ?? this.options.random,
    });
  }

  /** Follows a prompt: see `trackJob`. */
  trackJob(promptId: string, options: TrackJobOptions = {}): AsyncIterableIterator<JobState> {
    return trackJob(this, promptId, options);
  }

  /** Resolves with the prompt's terminal state: see `waitForJob`. */
  waitForJob(promptId: string, options: TrackJobOptions = {}): Promise<TerminalJobState> {
    return waitForJob(this, promptId, options);
  }
}

/** Creates a client; nothing is contacted until a method is called. */
export function createComfyClient(options: ComfyClientOptions): ComfyClient {
  return new ComfyClient(options);
}

function toValidationError(error: unknown): ComfyValidationError | null {
  if (!(error instanceof ComfyHttpError) || error.status !== 400) return null;
  let body: unknown;
  try {
    body = JSON.parse(error.body);
  } catch {
    return null;
  }
  const rejection = parsePromptRejection(body);
  if (!rejection) return null;
  return new ComfyValidationError(
    error.body,
    error.path,
    rejection.type,
    rejection.message,
    rejection.details,
    rejection.extraInfo,
    rejection.nodeErrors,
  );
}

function protocolError(path: string, raw: unknown, message: string): ComfyProtocolError {
  let body: string;
  try {
    body = JSON.stringify(raw) ?? String(raw);
  } catch {
    body = String(raw);
  }
  return new ComfyProtocolError(message, path, body.slice(0, 500));
}

function throwProtocol(path: string, raw: unknown, message: string): never {
  throw protocolError(path, raw, message);
}

function filenameFromDisposition(header: string | null): string | null {
  if (!header) return null;
  const match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(header);
  if (!match?.[1]) return null;
  try {
    return decodeURIComponent(match[1]);
  } catch {
    return match[1];
  }
}

function copyBytes(bytes: Uint8Array | ArrayBuffer): Uint8Array<ArrayBuffer> {
  return bytes instanceof ArrayBuffer ? new Uint8Array(bytes.slice(0)) : new Uint8Array(bytes);
}

function mimeFromName(name: string): string {
  const ext = name.toLowerCase().split('.').pop();
  const types: Record<string, string> = {
    png: 'image/png',
    jpg: 'image/jpeg',
    jpeg: 'image/jpeg',
    webp: 'image/webp',
    gif: 'image/gif',
  };
  return (ext && types[ext]) ?? 'application/octet-stream';
}
