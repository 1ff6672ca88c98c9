import { Channel } from './channel.js';
import type { ComfySocket, ComfySocketEvent, PreviewEvent } from './events.js';
import { promptIdOf, type ComfyMessage } from './messages.js';
import {
  failureFromExecutionError,
  failureFromInterrupt,
  findInQueue,
  imagesFromOutputs,
  normaliseHistoryItem,
  type ExecutionFailure,
  type ExecutionTiming,
  type HistoryEntry,
  type HistoryOutcome,
  type OutputImage,
  type QueueSnapshot,
} from './responses.js';

/**
 * The normalised life of one prompt. Ended states carry `timing` when ComfyUI reported when it ran the
 * prompt (from history's messages or the socket's): GPU time is `endedAt - startedAt` on its own clock.
 */
export type JobState =
  /** Waiting; `position` = pending prompts that will run before it (0 = next). */
  | { status: 'queued'; promptId: string; position: number }
  /** Executing; `node` is null when only polling (the queue does not say which node runs). */
  | {
      status: 'running';
      promptId: string;
      node: string | null;
      progress: { value: number; max: number } | null;
    }
  | { status: 'succeeded'; promptId: string; images: OutputImage[]; timing?: ExecutionTiming }
  | {
      status: 'failed';
      promptId: string;
      node: string | null;
      nodeType: string | null;
      /** The exception class, e.g. `RuntimeError`. */
      errorType: string;
      message: string;
      traceback: string[];
      timing?: ExecutionTiming;
    }
  | {
      status: 'interrupted';
      promptId: string;
      node: string | null;
      nodeType: string | null;
      timing?: ExecutionTiming;
    }
  /** ComfyUI no longer knows the prompt: in neither queue nor history (restarted, or history deleted). */
  | { status: 'lost'; promptId: string };

export type JobStatus = JobState['status'];
export type TerminalJobState = Extract<JobState, { status: 'succeeded' | 'failed' | 'interrupted' | 'lost' }>;

export function isTerminal(state: JobState): state is TerminalJobState {
  return state.status !== 'queued' && state.status !== 'running';
}

/** What tracking needs from the HTTP client. */
export interface JobSource {
  /**
   * `fresh`: only a snapshot requested after this call. The tracker always asks for one: a shared request
   * sent before it subscribed (or before the event that made it look) can still show a finished job running.
   */
  getQueue(options?: { fresh?: boolean }): Promise<QueueSnapshot>;
  getHistory(promptId: string): Promise<HistoryEntry | null>;
}

export interface TrackJobOptions {
  /**
   * The socket whose clientId queued the prompt. Its events drive the states; while it is down the
   * tracker polls, and after each reconnect it reconciles through /queue and /history/{id}.
   */
  socket?: ComfySocket;
  /** `socket-first` (the default with a socket) or `polling` (the default without one). */
  mode?: 'socket-first' | 'polling';
  /** Poll period while there is no open socket. */
  pollIntervalMs?: number;
  /** Safety reconcile period while the socket is open (a replaced socket can go deaf); 0 disables it. */
  reconcileIntervalMs?: number;
  /** How long to wait for the end marker after `execution_success` before reading history anyway. */
  endMarkerGraceMs?: number;
  /** Aborting ends the iteration (no error is thrown into the loop). */
  signal?: AbortSignal;
  /** Receives this prompt's previews (socket mode only). */
  onPreview?: (preview: PreviewEvent) => void;
}

const rank: Record<JobStatus, number> = {
  queued: 0,
  running: 1,
  succeeded: 2,
  failed: 2,
  interrupted: 2,
  lost: 2,
};

/** Maps a finished history item onto a terminal job state. */
export function jobStateFromOutcome(promptId: string, outcome: HistoryOutcome): TerminalJobState {
  return withTiming(stateOfOutcome(promptId, outcome), outcome.timing ?? null);
}

function stateOfOutcome(promptId: string, outcome: HistoryOutcome): TerminalJobState {
  if (outcome.status === 'succeeded') return { status: 'succeeded', promptId, images: outcome.images };
  const error = outcome.error;
  if (outcome.status === 'interrupted')
    return {
      status: 'interrupted',
      promptId,
      node: error?.nodeId ?? null,
      nodeType: error?.nodeType ?? null,
    };
  return failedState(
    promptId,
    error ?? { nodeId: null, nodeType: null, type: 'error', message: '', traceback: [] },
  );
}

function failedState(promptId: string, error: ExecutionFailure): TerminalJobState {
  return {
    status: 'failed',
    promptId,
    node: error.nodeId,
    nodeType: error.nodeType,
    errorType: error.type,
    message: error.message,
    traceback: error.traceback,
  };
}

function withTiming(state: TerminalJobState, timing: ExecutionTiming | null): TerminalJobState {
  return timing && state.status !== 'lost' ? { ...state, timing } : state;
}

function timestampOf(data: { timestamp?: unknown }): number | null {
  return typeof data.timestamp === 'number' && Number.isFinite(data.timestamp) ? data.timestamp : null;
}

/**
 * Follows one prompt until it ends: yields each distinct state, ends after a terminal one
 * (succeeded | failed | interrupted | lost), or when `signal` aborts / the consumer breaks.
 */
export function trackJob(
  source: JobSource,
  promptId: string,
  options: TrackJobOptions = {},
): AsyncIterableIterator<JobState> {
  const tracker = new JobTracker(source, promptId, options);
  return tracker.start();
}

/** Resolves with the terminal state; rejects with the signal's reason if aborted first. */
export async function waitForJob(
  source: JobSource,
  promptId: string,
  options: TrackJobOptions = {},
): Promise<TerminalJobState> {
  for await (const state of trackJob(source, promptId, options)) if (isTerminal(state)) return state;
  throw options.signal?.reason ?? new Error(`Tracking of ${promptId} ended without a final state`);
}

class JobTracker {
  private readonly channel: Channel<JobState>;
  private readonly socket: ComfySocket | null;
  private readonly pollIntervalMs: number;
  private readonly reconcileIntervalMs: number;
  private readonly endMarkerGraceMs: number;
  private state: JobState | null = null;
  private finished = false;
  private chain: Promise<void> = Promise.resolve();
  private reconcileQueued = false;
  private successSeen = false;
  private collected: OutputImage[] = [];
  /** ComfyUI's timestamps heard on the socket: the fallback when history has none to give. */
  private heard: ExecutionTiming = { startedAt: null, endedAt: null };
  /** A failure heard on the socket before its start was: history (which has the start) decides its timing. */
  private pendingEnd: TerminalJobState | null = null;
  private timer: NodeJS.Timeout | undefined;
  private graceTimer: NodeJS.Timeout | undefined;
  private detach: () => void = () => {};

  constructor(
    private readonly source: JobSource,
    private readonly promptId: string,
    private readonly options: TrackJobOptions,
  ) {
    this.channel = new Channel<JobState>(() => this.finish());
    const mode = options.mode ?? (options.socket ? 'socket-first' : 'polling');
    this.socket = mode === 'socket-first' ? (options.socket ?? null) : null;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.reconcileIntervalMs = options.reconcileIntervalMs ?? 15_000;
    this.endMarkerGraceMs = options.endMarkerGraceMs ?? 2_000;
  }

  start(): AsyncIterableIterator<JobState> {
    const { signal } = this.options;
    if (signal?.aborted) {
      this.finish();
      return this.channel;
    }
    if (signal) {
      const onAbort = () => this.finish();
      signal.addEventListener('abort', onAbort, { once: true });
      const previous = this.detach;
      this.detach = () => {
        previous();
        signal.removeEventListener('abort', onAbort);
      };
    }
    if (this.socket) {
      // Subscribe before the first reconcile so nothing between the two is missed.
      const off = this.socket.on((event) => this.onSocketEvent(event));
      const previous = this.detach;
      this.detach = () => {
        previous();
        off();
      };
    }
    this.requestReconcile();
    this.schedule();
    return this.channel;
  }

  /** Polls fast while no socket is open, slowly (safety net) while one is. */
  private schedule(): void {
    clearTimeout(this.timer);
    if (this.finished) return;
    const socketUp = this.socket?.isOpen ?? false;
    const interval = socketUp ? this.reconcileIntervalMs : this.pollIntervalMs;
    if (interval <= 0) return;
    this.timer = setTimeout(() => {
      this.requestReconcile();
      this.schedule();
    }, interval);
  }

  private enqueue(task: () => Promise<void> | void): void {
    this.chain = this.chain
      .then(() => (this.finished ? undefined : task()))
      .catch(() => {
        // A failed look-up (ComfyUI down, timeout) only skips this round: the next poll or event retries.
      });
  }

  private requestReconcile(): void {
    if (this.reconcileQueued) return;
    this.reconcileQueued = true;
    this.enqueue(async () => {
      this.reconcileQueued = false;
      await this.reconcile();
    });
  }

  private onSocketEvent(event: ComfySocketEvent): void {
    if (this.finished) return;
    switch (event.type) {
      case 'connection':
        // The socket does not replay what was missed: after a reconnect, ask the server.
        if (event.state === 'open') this.requestReconcile();
        this.schedule();
        return;
      case 'preview':
        if (event.promptId === this.promptId) this.options.onPreview?.(event);
        return;
      case 'unknown':
        return;
      case 'status':
        // Queue length changed: only a queued job's position can have moved.
        if (this.state?.status === 'queued') this.requestReconcile();
        return;
      default:
        break;
    }
    const promptId = promptIdOf(event);
    if (promptId === null && event.type === 'executing' && event.data.node !== null) {
      // After a reconnect the server names the running node without its prompt id. The reconcile queued
      // by `open` runs first (same chain), so `running` here means /queue confirmed this prompt runs.
      const node = event.data.node;
      this.enqueue(() => {
        if (this.state?.status === 'running') this.emit({ ...this.state, node, progress: null });
      });
      return;
    }
    if (promptId !== this.promptId) return;
    this.enqueue(() => this.apply(event));
  }

  private async apply(message: ComfyMessage): Promise<void> {
    const running = (node: string | null, progress: { value: number; max: number } | null) =>
      this.emit({ status: 'running', promptId: this.promptId, node, progress });
    const current = this.state?.status === 'running' ? this.state : null;
    switch (message.type) {
      case 'execution_start':
        this.heard = { startedAt: timestampOf(message.data), endedAt: null };
        if (!current) running(null, null);
        return;
      case 'execution_cached':
        if (!current) running(null, null);
        return;
      case 'executing':
        if (message.data.node !== null) running(message.data.node, null);
        else if (this.successSeen) await this.finishSuccess();
        else if (this.pendingEnd) await this.finishFromHistory(this.pendingEnd);
        else await this.reconcile();
        return;
      case 'progress': {
        const { value, max, node } = message.data;
        running(node ?? current?.node ?? null, { value, max });
        return;
      }
      case 'executed':
        this.collected.push(...imagesFromOutputs({ [message.data.node]: message.data.output }));
        return;
      case 'execution_success':
        this.heard = { ...this.heard, endedAt: timestampOf(message.data) };
        this.successSeen = true;
        // History is written after this message; the `executing null` marker that follows says it is there.
        this.graceTimer = setTimeout(() => this.enqueue(() => this.finishSuccess()), this.endMarkerGraceMs);
        return;
      case 'execution_error':
        this.heard = { ...this.heard, endedAt: timestampOf(message.data) };
        this.end(failedState(this.promptId, failureFromExecutionError(message.data)));
        return;
      case 'execution_interrupted': {
        this.heard = { ...this.heard, endedAt: timestampOf(message.data) };
        const error = failureFromInterrupt(message.data);
        this.end({
          status: 'interrupted',
          promptId: this.promptId,
          node: error.nodeId,
          nodeType: error.nodeType,
        });
        return;
      }
      default:
        return;
    }
  }

  /** History is the authoritative list of outputs; the `executed` messages are the fallback. */
  private async finishSuccess(): Promise<void> {
    const entry = await this.source.getHistory(this.promptId).catch(() => null);
    if (entry) this.emit(this.timed(jobStateFromOutcome(this.promptId, normaliseHistoryItem(entry))));
    else
      this.emit(this.timed({ status: 'succeeded', promptId: this.promptId, images: dedupe(this.collected) }));
  }

  /**
   * A run that failed or was interrupted ends at once when its start was heard; otherwise (tracking began
   * after `execution_start`) at the end marker, from history, so the timing has both ends.
   */
  private end(state: TerminalJobState): void {
    if (this.heard.startedAt !== null) {
      this.emit(this.timed(state));
      return;
    }
    this.pendingEnd = state;
    this.graceTimer = setTimeout(
      () => this.enqueue(() => this.finishFromHistory(state)),
      this.endMarkerGraceMs,
    );
  }

  private async finishFromHistory(fallback: TerminalJobState): Promise<void> {
    const entry = await this.source.getHistory(this.promptId).catch(() => null);
    this.emit(this.timed(entry ? jobStateFromOutcome(this.promptId, normaliseHistoryItem(entry)) : fallback));
  }

  /** History's timing when it has one, else what the socket said (both are ComfyUI's own clock). */
  private timed(state: TerminalJobState): TerminalJobState {
    if (state.status === 'lost' || state.timing) return state;
    const { startedAt, endedAt } = this.heard;
    return startedAt === null && endedAt === null ? state : withTiming(state, this.heard);
  }

  /**
   * Asks the server where the prompt is. Queue first, then history: ComfyUI moves a finished prompt
   * from the running list into history atomically, so in that order a live prompt is always found.
   * "Nowhere" is confirmed by a second look before the job is declared lost.
   */
  private async reconcile(): Promise<void> {
    for (let look = 0; look < 2; look++) {
      const queue = await this.source.getQueue({ fresh: true });
      const found = findInQueue(queue, this.promptId);
      if (found?.where === 'running') {
        if (this.state?.status !== 'running')
          this.emit({ status: 'running', promptId: this.promptId, node: null, progress: null });
        return;
      }
      if (found?.where === 'pending') {
        this.emit({ status: 'queued', promptId: this.promptId, position: found.position });
        return;
      }
      const entry = await this.source.getHistory(this.promptId);
      if (entry) {
        this.emit(this.timed(jobStateFromOutcome(this.promptId, normaliseHistoryItem(entry))));
        return;
      }
    }
    this.emit({ status: 'lost', promptId: this.promptId });
  }

  private emit(state: JobState): void {
    if (this.finished) return;
    const previous = this.state;
    if (previous && rank[state.status] < rank[previous.status]) return;
    if (previous && JSON.stringify(previous) === JSON.stringify(state)) return;
    this.state = state;
    this.channel.push(state);
    if (isTerminal(state)) this.finish();
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.timer);
    clearTimeout(this.graceTimer);
    this.detach();
    this.channel.close();
  }
}

function dedupe(images: OutputImage[]): OutputImage[] {
  const seen = new Set<string>();
  return images.filter((image) => {
    const key = `${image.nodeId}\0${image.type}\0${image.subfolder}\0${image.filename}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
