import { randomUUID } from 'node:crypto';
import WebSocket from 'ws';
import { backoffDelay, sleep } from './backoff.js';
import { Channel } from './channel.js';
import { ComfyUnreachableError } from './errors.js';
import { parseMessage, promptIdOf, type ComfyMessage, type UnknownMessage } from './messages.js';
import { decodeBinaryFrame, type PreviewImage } from './previews.js';

export type ConnectionState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed' | 'gave_up';

/**
 * The socket's own life: `open` (after each successful connect; `isReconnect` from the second on),
 * `closed` (a live socket went away, or `close()` was called), `reconnecting` (waiting `delayMs`
 * before attempt `attempt`), `gave_up` (`maxAttempts` consecutive failures; call `connect()` to retry).
 */
export interface ConnectionEvent {
  type: 'connection';
  state: 'open' | 'closed' | 'reconnecting' | 'gave_up';
  /** Reconnect attempts since the last successful open. */
  attempt: number;
  isReconnect: boolean;
  delayMs?: number;
  code?: number;
  reason?: string;
}

/**
 * A binary preview frame. The frame itself names no prompt: `promptId` is the prompt this socket last
 * saw executing, or null when unknown (e.g. right after a reconnect).
 */
export interface PreviewEvent extends PreviewImage {
  type: 'preview';
  promptId: string | null;
}

export type ComfySocketEvent = ComfyMessage | PreviewEvent | UnknownMessage | ConnectionEvent;

export interface ReconnectOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Consecutive failed attempts before giving up; `Infinity` never gives up. */
  maxAttempts: number;
}

export interface HeartbeatOptions {
  /** How often to ping. */
  intervalMs: number;
  /** How long to wait for the pong (or any frame) before declaring the connection dead. */
  timeoutMs: number;
}

export interface ComfySocketOptions {
  baseUrl: string;
  /** Defaults to a random UUID. Queue prompts with the same id to receive their events. */
  clientId?: string;
  /** `''` (default) or `'/api'`, as for HTTP. */
  pathPrefix?: string;
  reconnect?: Partial<ReconnectOptions>;
  /** `false` disables it (a half-open TCP connection then goes unnoticed). */
  heartbeat?: Partial<HeartbeatOptions> | false;
  /** Upper bound for the HTTP upgrade. */
  connectTimeoutMs?: number;
  random?: () => number;
}

type Listener = (event: ComfySocketEvent) => void;

/**
 * `/ws?clientId=…` as a stream of typed events, reconnecting with exponential backoff.
 *
 * ComfyUI keys sockets by clientId and unregisters by clientId when one closes, so a replaced socket
 * that closes later silences its replacement. This class therefore never has two sockets at once: the
 * old one is fully closed (its `close` event seen) before the next is opened, and events of a socket
 * that is no longer current are ignored.
 */
export class ComfySocket {
  readonly clientId: string;
  private readonly url: string;
  private readonly reconnectOptions: ReconnectOptions;
  private readonly heartbeat: HeartbeatOptions | null;
  private readonly connectTimeoutMs: number;
  private readonly random: () => number;
  private readonly listeners = new Set<Listener>();

  private current: WebSocket | null = null;
  private currentState: ConnectionState = 'idle';
  private stopController: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private opens = 0;
  private lastPromptId: string | null = null;
  private serverSid: string | null = null;
  private openWaiters: { resolve: () => void; reject: (error: Error) => void }[] = [];

  constructor(options: ComfySocketOptions) {
    this.clientId = options.clientId ?? randomUUID();
    const base = new URL(options.baseUrl);
    base.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
    const root = base.href.replace(/\/+$/, '');
    const prefix = (options.pathPrefix ?? '').replace(/\/+$/, '');
    this.url = `${root}${prefix}/ws?clientId=${encodeURIComponent(this.clientId)}`;
    this.reconnectOptions = {
      baseDelayMs: options.reconnect?.baseDelayMs ?? 500,
      maxDelayMs: options.reconnect?.maxDelayMs ?? 30_000,
      maxAttempts: options.reconnect?.maxAttempts ?? Infinity,
    };
    this.heartbeat =
      options.heartbeat === false
        ? null
        : {
            intervalMs: options.heartbeat?.intervalMs ?? 15_000,
            timeoutMs: options.heartbeat?.timeoutMs ?? 10_000,
          };
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.random = options.random ?? Math.random;
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  get isOpen(): boolean {
    return this.currentState === 'open';
  }

  /** The `sid` the server announced in its first `status` frame. */
  get sid(): string | null {
    return this.serverSid;
  }

  /**
   * Starts connecting (and reconnecting) and resolves once the socket is open. Rejects with
   * ComfyUnreachableError if it gives up first, or if `close()` is called meanwhile.
   */
  connect(): Promise<void> {
    if (this.currentState === 'open') return Promise.resolve();
    const opened = new Promise<void>((resolve, reject) => this.openWaiters.push({ resolve, reject }));
    if (!this.loop) {
      const stop = new AbortController();
      this.stopController = stop;
      this.loop = this.run(stop.signal).finally(() => {
        this.loop = null;
      });
    }
    return opened;
  }

  /** Closes the socket for good (until `connect()` is called again) and ends every event iterator. */
  async close(): Promise<void> {
    this.stopController?.abort();
    const socket = this.current;
    if (socket) await closeFully(socket, 1000);
    await this.loop;
    this.currentState = 'closed';
    this.rejectWaiters(new ComfyUnreachableError(this.url, { cause: new Error('socket closed') }));
  }

  /** Calls `listener` for every event until the returned function is called. */
  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The events from now on, as an async iterable. It ends when `close()` is called, when the socket
   * gives up, or when the consumer breaks out of its loop.
   */
  events(): AsyncIterableIterator<ComfySocketEvent> {
    let off = () => {};
    const channel = new Channel<ComfySocketEvent>(() => off());
    off = this.on((event) => {
      channel.push(event);
      if (event.type === 'connection' && (event.state === 'gave_up' || this.currentState === 'closed')) {
        off();
        channel.close();
      }
    });
    return channel;
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<ComfySocketEvent> {
    return this.events();
  }

  private emit(event: ComfySocketEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch {
        // A listener's bug must not break delivery to the others or the socket itself.
      }
    }
  }

  private rejectWaiters(error: Error): void {
    for (const waiter of this.openWaiters.splice(0)) waiter.reject(error);
  }

  private async run(stop: AbortSignal): Promise<void> {
    let attempt = 0;
    let lastError: unknown;
    let last: { code?: number; reason?: string } = {};
    while (!stop.aborted) {
      if (attempt > 0) {
        if (attempt > this.reconnectOptions.maxAttempts) {
          this.currentState = 'gave_up';
          this.emit({
            type: 'connection',
            state: 'gave_up',
            attempt: attempt - 1,
            isReconnect: this.opens > 0,
          });
          this.rejectWaiters(new ComfyUnreachableError(this.url, { cause: lastError }));
          return;
        }
        const delayMs = backoffDelay(attempt, this.reconnectOptions, this.random);
        this.currentState = 'reconnecting';
        this.emit({
          type: 'connection',
          state: 'reconnecting',
          attempt,
          delayMs,
          isReconnect: this.opens > 0,
        });
        try {
          await sleep(delayMs, stop);
        } catch {
          break;
        }
      }
      this.currentState = 'connecting';
      const socket = new WebSocket(this.url, {
        perMessageDeflate: false,
        handshakeTimeout: this.connectTimeoutMs,
      });
      this.current = socket;
      const outcome = await this.lifetime(socket, stop);
      this.current = null;
      if (outcome.opened) {
        attempt = 1;
        last = { code: outcome.code, reason: outcome.reason };
        if (stop.aborted) break;
        this.currentState = 'reconnecting';
        this.emit({ type: 'connection', state: 'closed', attempt: 0, isReconnect: this.opens > 1, ...last });
        last = {};
      } else {
        attempt++;
        lastError = outcome.error;
        last = {};
      }
    }
    // Stopped by close(): one final `closed` (with the state already 'closed') ends the iterators.
    this.currentState = 'closed';
    this.emit({ type: 'connection', state: 'closed', attempt: 0, isReconnect: this.opens > 1, ...last });
  }

  /** Runs one socket from creation to its `close` event. */
  private lifetime(
    socket: WebSocket,
    stop: AbortSignal,
  ): Promise<{ opened: boolean; code: number; reason: string; error?: unknown }> {
    return new Promise((resolve) => {
      let opened = false;
      let error: unknown;
      let heartbeatTimer: NodeJS.Timeout | undefined;
      let deadline: NodeJS.Timeout | undefined;
      const onStop = () => {
        socket.close(1000);
      };
      stop.addEventListener('abort', onStop, { once: true });
      // Any frame, or a pong, proves the connection alive.
      const alive = () => {
        clearTimeout(deadline);
        deadline = undefined;
      };
      const startHeartbeat = (options: HeartbeatOptions) => {
        heartbeatTimer = setInterval(() => {
          if (deadline) return;
          deadline = setTimeout(() => socket.terminate(), options.timeoutMs);
          socket.ping();
        }, options.intervalMs);
      };

      socket.on('open', () => {
        if (socket !== this.current) return;
        opened = true;
        this.opens++;
        this.lastPromptId = null;
        this.currentState = 'open';
        if (this.heartbeat) startHeartbeat(this.heartbeat);
        this.emit({ type: 'connection', state: 'open', attempt: 0, isReconnect: this.opens > 1 });
        for (const waiter of this.openWaiters.splice(0)) waiter.resolve();
      });
      socket.on('pong', alive);
      socket.on('message', (data: WebSocket.RawData, isBinary: boolean) => {
        alive();
        if (socket !== this.current) return;
        this.handleFrame(data, isBinary);
      });
      socket.on('error', (err) => {
        error = err;
      });
      socket.on('close', (code: number, reason: Buffer) => {
        clearInterval(heartbeatTimer);
        clearTimeout(deadline);
        stop.removeEventListener('abort', onStop);
        resolve({ opened, code, reason: reason.toString(), error });
      });
    });
  }

  private handleFrame(data: WebSocket.RawData, isBinary: boolean): void {
    const bytes = toBytes(data);
    if (isBinary) {
      const decoded = decodeBinaryFrame(bytes);
      if (decoded.kind === 'preview')
        this.emit({ type: 'preview', promptId: this.lastPromptId, ...decoded.preview });
      else this.emit({ type: 'unknown', raw: decoded.bytes });
      return;
    }
    const message = parseMessage(new TextDecoder().decode(bytes));
    if (message.type === 'status' && message.data.sid !== undefined) this.serverSid = message.data.sid;
    if (message.type !== 'unknown') this.trackPrompt(message);
    this.emit(message);
  }

  /** Remembers which prompt is executing, to attribute previews (their frames carry no prompt id). */
  private trackPrompt(message: ComfyMessage): void {
    const promptId = promptIdOf(message);
    if (message.type === 'executing' && message.data.node === null) this.lastPromptId = null;
    else if (
      promptId !== null &&
      (message.type === 'execution_start' || message.type === 'executing' || message.type === 'progress')
    )
      this.lastPromptId = promptId;
  }
}

/** Closes `socket` and resolves once its `close` event fired; a peer that does not answer is cut off. */
function closeFully(socket: WebSocket, code: number): Promise<void> {
  if (socket.readyState === WebSocket.CLOSED) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => socket.terminate(), 2_000);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    if (socket.readyState === WebSocket.CONNECTING) socket.terminate();
    else socket.close(code);
  });
}

/** Plain Uint8Array views (not Buffers) so consumers get the standard type. */
function toBytes(data: WebSocket.RawData): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  const buffer = Array.isArray(data) ? Buffer.concat(data) : data;
  return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
}

/** Creates a socket (not yet connected: call `connect()`). */
export function createComfySocket(options: ComfySocketOptions): ComfySocket {
  return new ComfySocket(options);
}
