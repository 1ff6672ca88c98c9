import type { JobState, PreviewEvent } from '@atelier/comfy-client';
import {
  terminalJobStatuses,
  type ComfyStreamEventMap,
  type ComfyStreamEventName,
  type JobError,
  type JobProgress,
} from '@atelier/contract';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { AppConfig } from '../config/app-config.js';
import { ComfyService, type ComfyWiring } from './comfy.service.js';
import type { ComfyJobEntity } from './job.entity.js';
import { snapshotFromLedger, toImageRefs, toStatusResponse, type JobSnapshot } from './job-views.js';
import { JobsRepository, type JobChanges } from './jobs.repository.js';
import { formatSseFrame, sseHeartbeat } from './sse.js';

/** One SSE client of a job. */
export interface JobSubscriber {
  /** Writes one formatted SSE frame (or heartbeat), encoded once for every subscriber. */
  send(bytes: Buffer): void;
  /** Ends the stream: after the terminal event, or when the integration goes away. */
  close(): void;
}

interface Frame {
  id: string;
  seq: number;
  event: ComfyStreamEventName;
  bytes: Buffer;
}

/**
 * Called for each frame right after it was written to the subscribers, with the hub's clock
 * (`performance.now()`) when its upstream event arrived: the benchmark measures relay latency from it.
 */
export type FrameListener = (
  promptId: string,
  frame: { id: string; event: ComfyStreamEventName },
  at: number,
) => void;

export interface SubscribeResult {
  /** What the subscriber gets first: the events it missed, or the current state. */
  initial: Buffer[];
  /** False when the job is over: send `initial` and end. */
  live: boolean;
  unsubscribe: () => void;
}

/** Non-preview events kept per job for Last-Event-ID resumption; older ones fall back to a snapshot. */
const maxLoggedFrames = 2000;
/** How long a finished job's event log stays for reconnecting clients. */
const finishedRetentionMs = 5 * 60_000;
/**
 * At most one preview per job this often; the ones in between are dropped, not delayed. A browser cannot
 * show more, and each preview is kilobytes for every subscriber.
 */
const previewIntervalMs = 200;
const heartbeatBytes = Buffer.from(sseHeartbeat);

const lostError: JobError = {
  code: 'comfy.job_lost',
  message: 'ComfyUI no longer knows this job (it restarted or dropped it)',
};

/** A job as the hub follows it: its event log, its current state, its subscribers and its one upstream. */
class JobChannel {
  /** Distinguishes this log from an earlier one of the same job (after a restart or eviction) in event ids. */
  readonly tag = randomBytes(3).toString('base64url');
  seq = 0;
  /** Highest seq dropped from the log (resuming from before it needs a snapshot). */
  droppedUpTo = 0;
  readonly log: Frame[] = [];
  latestPreview: Frame | null = null;
  /** Frames of the current turn, written together (one socket write per subscriber for a burst). */
  readonly outbox: { frame: Frame; at: number }[] = [];
  lastPreviewAt = Number.NEGATIVE_INFINITY;
  readonly subscribers = new Set<JobSubscriber>();
  upstream: AbortController | null = null;
  socketWarned = false;
  cancelRequested = false;
  persisting: Promise<void> = Promise.resolve();
  evictTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly promptId: string,
    readonly ownerId: number,
    public snapshot: JobSnapshot,
  ) {}

  get isTerminal(): boolean {
    return terminalJobStatuses.includes(this.snapshot.status);
  }

  idOf(seq: number): string {
    return `${this.tag}:${seq}`;
  }
}

/**
 * The in-process hub between ComfyUI and the SSE clients. Per prompt: one upstream (the client's
 * `trackJob`, socket first, polling while the socket is down), an event log with increasing ids, the
 * current state, and any number of subscribers that share that upstream. It also writes each job's
 * transitions (running, finished) to the ledger, so it follows every active job, watched or not.
 */
@Injectable()
export class JobEventsHub implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(JobEventsHub.name);
  private readonly channels = new Map<string, JobChannel>();
  private readonly frameListeners = new Set<FrameListener>();
  private heartbeat: NodeJS.Timeout | undefined;
  private subscriberCount = 0;
  private readonly detach: (() => void)[] = [];

  constructor(
    private readonly comfy: ComfyService,
    private readonly jobs: JobsRepository,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.detach.push(
      this.comfy.onWiringChange((current) => this.rewired(current)),
      this.comfy.onSocketEvent((event) => {
        if (event.type !== 'connection') return;
        if (event.state === 'open')
          for (const channel of this.channels.values()) channel.socketWarned = false;
        else for (const channel of this.channels.values()) this.warnSocketDown(channel);
      }),
    );
  }

  async onModuleDestroy(): Promise<void> {
    for (const off of this.detach.splice(0)) off();
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    for (const channel of this.channels.values()) {
      channel.upstream?.abort();
      clearTimeout(channel.evictTimer);
      this.closeSubscribers(channel);
    }
    await Promise.all([...this.channels.values()].map((channel) => channel.persisting));
    this.channels.clear();
  }

  /** Starts following a job (just queued, or found active in the ledger). */
  track(job: ComfyJobEntity): void {
    const channel = this.channelFor(job);
    if (!channel.isTerminal) this.startUpstream(channel, false);
  }

  /**
   * Makes every active job take a fresh look at ComfyUI (after it came back, or the socket reconnected):
   * each upstream restarts, and `trackJob` begins with /queue then /history/{id}, so a job ComfyUI lost
   * becomes `lost` and one that finished meanwhile gets its outputs.
   */
  async reconcileActive(): Promise<void> {
    if (!this.comfy.current()) return;
    for (const job of await this.jobs.listActive()) {
      const channel = this.channelFor(job);
      if (!channel.isTerminal) this.startUpstream(channel, true);
    }
  }

  /** The live state of a job the hub follows, or null (then the ledger is the truth). */
  snapshotOf(promptId: string): JobSnapshot | null {
    return this.channels.get(promptId)?.snapshot ?? null;
  }

  /** Drops what the hub knows of a job (it is about to be submitted again under the same id). */
  forget(promptId: string): void {
    const channel = this.channels.get(promptId);
    if (!channel) return;
    channel.upstream?.abort();
    clearTimeout(channel.evictTimer);
    this.closeSubscribers(channel);
    this.channels.delete(promptId);
  }

  /**
   * A job is about to be deleted from the queue: ComfyUI will then not know it, which means cancelled,
   * not lost. Returns the undo for when the cancel did not happen.
   */
  expectCancel(promptId: string): () => void {
    const channel = this.channels.get(promptId);
    if (!channel) return () => undefined;
    channel.cancelRequested = true;
    return () => {
      channel.cancelRequested = false;
    };
  }

  /** Records a job removed from the queue as interrupted. */
  cancelled(job: ComfyJobEntity): void {
    const channel = this.channelFor(job);
    this.apply(channel, { status: 'interrupted', promptId: job.promptId, node: null, nodeType: null });
  }

  /**
   * Registers an SSE client. With a Last-Event-ID from this job's current log it gets what it missed;
   * otherwise (first visit, or an id the log no longer covers) the current state first.
   */
  subscribe(job: ComfyJobEntity, lastEventId: string | null, subscriber: JobSubscriber): SubscribeResult {
    const channel = this.channelFor(job);
    if (!channel.isTerminal) this.startUpstream(channel, false);
    const initial = this.catchUp(channel, lastEventId);
    if (channel.isTerminal) return { initial, live: false, unsubscribe: () => undefined };

    channel.subscribers.add(subscriber);
    clearTimeout(channel.evictTimer);
    this.subscriberCount += 1;
    this.ensureHeartbeat();
    let subscribed = true;
    return {
      initial,
      live: true,
      unsubscribe: () => {
        if (!subscribed) return;
        subscribed = false;
        if (channel.subscribers.delete(subscriber)) this.subscriberCount -= 1;
        this.stopHeartbeatIfIdle();
        if (channel.isTerminal) this.scheduleEviction(channel);
      },
    };
  }

  /** Every frame of every job, e.g. `done` as "this job is over, whatever the outcome"; returns the unsubscribe. */
  onFrame(listener: FrameListener): () => void {
    this.frameListeners.add(listener);
    return () => this.frameListeners.delete(listener);
  }

  /** Counts for tests and benchmarks: followed jobs, running upstreams, SSE clients. */
  stats(promptId?: string): { jobs: number; upstreams: number; subscribers: number } {
    const channels = promptId
      ? [this.channels.get(promptId)].filter((c) => c !== undefined)
      : [...this.channels.values()];
    return {
      jobs: channels.length,
      upstreams: channels.filter((channel) => channel.upstream !== null).length,
      subscribers: channels.reduce((sum, channel) => sum + channel.subscribers.size, 0),
    };
  }

  private channelFor(job: ComfyJobEntity): JobChannel {
    let channel = this.channels.get(job.promptId);
    if (!channel) {
      channel = new JobChannel(job.promptId, job.ownerId, snapshotFromLedger(job));
      this.channels.set(job.promptId, channel);
      if (channel.isTerminal) this.scheduleEviction(channel);
    }
    return channel;
  }

  private catchUp(channel: JobChannel, lastEventId: string | null): Buffer[] {
    const resumeFrom = this.resumePoint(channel, lastEventId);
    if (resumeFrom !== null) {
      return channel.log.filter((frame) => frame.seq > resumeFrom).map((frame) => frame.bytes);
    }
    return this.snapshotFrames(channel);
  }

  /** The seq to resume after, when the id belongs to this log and the log still holds what followed it. */
  private resumePoint(channel: JobChannel, lastEventId: string | null): number | null {
    if (!lastEventId) return null;
    const match = /^([A-Za-z0-9_-]+):(\d{1,9})$/.exec(lastEventId.trim());
    if (!match || match[1] !== channel.tag) return null;
    const seq = Number(match[2]);
    return seq >= channel.droppedUpTo && seq <= channel.seq ? seq : null;
  }

  /** The current state as frames, all with the latest id: a status, plus the terminal events of a finished job. */
  private snapshotFrames(channel: JobChannel): Buffer[] {
    const id = channel.idOf(channel.seq);
    const { promptId, snapshot } = channel;
    const frame = <K extends ComfyStreamEventName>(event: K, data: ComfyStreamEventMap[K]) =>
      Buffer.from(formatSseFrame(id, event, data));
    const frames: Buffer[] = [];
    if (snapshot.status === 'succeeded' && snapshot.images.length > 0) {
      frames.push(frame('images', { prompt_id: promptId, images: snapshot.images }));
    }
    if (snapshot.error && (snapshot.status === 'failed' || snapshot.status === 'lost')) {
      frames.push(frame('error', { prompt_id: promptId, ...snapshot.error }));
    }
    frames.push(frame('status', toStatusResponse(promptId, snapshot)));
    if (channel.isTerminal) {
      frames.push(frame('done', { prompt_id: promptId, status: snapshot.status }));
    } else {
      const warning = channel.log.findLast((logged) => logged.event === 'warning');
      if (warning && channel.socketWarned) frames.push(warning.bytes);
      if (channel.latestPreview && snapshot.status === 'running') frames.push(channel.latestPreview.bytes);
    }
    return frames;
  }

  private startUpstream(channel: JobChannel, restart: boolean): void {
    const wiring = this.comfy.current();
    if (!wiring || (channel.upstream && !restart)) return;
    channel.upstream?.abort();
    const abort = new AbortController();
    channel.upstream = abort;
    if (!wiring.socket.isOpen) this.warnSocketDown(channel);
    void this.follow(channel, wiring, abort);
  }

  private async follow(channel: JobChannel, wiring: ComfyWiring, abort: AbortController): Promise<void> {
    try {
      const states = wiring.client.trackJob(channel.promptId, {
        socket: wiring.socket,
        pollIntervalMs: this.config.comfyTuning.pollIntervalMs,
        signal: abort.signal,
        onPreview: (preview) => {
          if (!abort.signal.aborted) this.preview(channel, preview);
        },
      });
      for await (const state of states) {
        if (abort.signal.aborted) break;
        this.apply(channel, state);
      }
    } catch (error) {
      this.logger.warn({ err: error, promptId: channel.promptId }, 'Following a ComfyUI job failed');
    } finally {
      if (channel.upstream === abort) channel.upstream = null;
    }
  }

  /** Turns the next state of a job into events, ledger writes and, at the end, closed streams. */
  private apply(channel: JobChannel, incoming: JobState): void {
    this.transition(channel, incoming);
    this.flush(channel);
  }

  private transition(channel: JobChannel, incoming: JobState): void {
    if (channel.isTerminal) return;
    const at = performance.now();
    const state: JobState =
      incoming.status === 'lost' && channel.cancelRequested
        ? { status: 'interrupted', promptId: incoming.promptId, node: null, nodeType: null }
        : incoming;
    const previous = channel.snapshot;
    const { promptId } = channel;

    switch (state.status) {
      case 'queued': {
        if (previous.status !== 'queued' || previous.queuePosition === state.position) return;
        channel.snapshot = { ...previous, queuePosition: state.position };
        this.emit(channel, 'status', toStatusResponse(promptId, channel.snapshot), at);
        return;
      }
      case 'running': {
        const progress: JobProgress | null = state.progress
          ? { value: state.progress.value, max: state.progress.max, node: state.node }
          : state.node === null
            ? previous.progress
            : null;
        channel.snapshot = { ...previous, status: 'running', queuePosition: null, progress };
        if (previous.status !== 'running') {
          this.persist(channel, { status: 'running', startedAt: new Date() });
          this.emit(channel, 'status', toStatusResponse(promptId, channel.snapshot), at);
        }
        if (progress && !sameProgress(progress, previous.progress)) {
          this.emit(channel, 'progress', { prompt_id: promptId, ...progress }, at);
        }
        return;
      }
      case 'succeeded': {
        const images = toImageRefs(state.images);
        this.finish(
          channel,
          { ...previous, status: 'succeeded', queuePosition: null, images, error: null },
          at,
        );
        return;
      }
      case 'failed': {
        const error: JobError = {
          message: state.message,
          node_id: state.node,
          node_type: state.nodeType,
          exception_type: state.errorType,
        };
        this.finish(channel, { ...previous, status: 'failed', queuePosition: null, error }, at);
        return;
      }
      case 'interrupted':
        this.finish(channel, { ...previous, status: 'interrupted', queuePosition: null, error: null }, at);
        return;
      case 'lost':
        this.finish(channel, { ...previous, status: 'lost', queuePosition: null, error: lostError }, at);
        return;
    }
  }

  private finish(channel: JobChannel, snapshot: JobSnapshot, at: number): void {
    const { promptId } = channel;
    channel.snapshot = snapshot;
    channel.upstream?.abort();
    channel.upstream = null;
    channel.latestPreview = null;
    this.persist(channel, {
      status: snapshot.status,
      images: snapshot.images,
      error: snapshot.error,
      finishedAt: new Date(),
    });
    if (snapshot.status === 'succeeded' && snapshot.images.length > 0) {
      this.emit(channel, 'images', { prompt_id: promptId, images: snapshot.images }, at);
    }
    if (snapshot.error) this.emit(channel, 'error', { prompt_id: promptId, ...snapshot.error }, at);
    this.emit(channel, 'status', toStatusResponse(promptId, snapshot), at);
    this.emit(channel, 'done', { prompt_id: promptId, status: snapshot.status }, at);
    this.flush(channel);
    this.closeSubscribers(channel);
    this.scheduleEviction(channel);
  }

  private preview(channel: JobChannel, preview: PreviewEvent): void {
    if (channel.isTerminal || (preview.format !== 'jpeg' && preview.format !== 'png')) return;
    const now = performance.now();
    if (now - channel.lastPreviewAt < previewIntervalMs) return;
    channel.lastPreviewAt = now;
    const data_url = `data:${preview.mimeType};base64,${Buffer.from(preview.bytes).toString('base64')}`;
    this.emit(channel, 'preview', { prompt_id: channel.promptId, format: preview.format, data_url }, now);
    this.flush(channel);
  }

  private warnSocketDown(channel: JobChannel): void {
    if (channel.isTerminal || channel.socketWarned || !channel.upstream) return;
    channel.socketWarned = true;
    this.emit(
      channel,
      'warning',
      {
        prompt_id: channel.promptId,
        code: 'comfy.socket_down',
        message: 'The live connection to ComfyUI dropped; following the job by polling',
      },
      performance.now(),
    );
    this.flush(channel);
  }

  private emit<K extends ComfyStreamEventName>(
    channel: JobChannel,
    event: K,
    data: ComfyStreamEventMap[K],
    at: number,
  ): void {
    channel.seq += 1;
    const id = channel.idOf(channel.seq);
    const frame: Frame = { id, seq: channel.seq, event, bytes: Buffer.from(formatSseFrame(id, event, data)) };
    // Previews are only worth seeing live: the log keeps the latest one for late subscribers, not all of them.
    if (event === 'preview') {
      channel.latestPreview = frame;
    } else {
      channel.log.push(frame);
      if (channel.log.length > maxLoggedFrames)
        channel.droppedUpTo = channel.log.shift()?.seq ?? channel.droppedUpTo;
    }
    channel.outbox.push({ frame, at });
  }

  /** Writes the frames of this turn to every subscriber, as one buffer. */
  private flush(channel: JobChannel): void {
    if (channel.outbox.length === 0) return;
    const out = channel.outbox.splice(0);
    const bytes =
      out.length === 1 && out[0] ? out[0].frame.bytes : Buffer.concat(out.map((o) => o.frame.bytes));
    for (const subscriber of channel.subscribers) subscriber.send(bytes);
    for (const listener of this.frameListeners) {
      for (const { frame, at } of out) listener(channel.promptId, { id: frame.id, event: frame.event }, at);
    }
  }

  /** Ledger writes of one job, in order; a failed write is logged and the job goes on. */
  private persist(channel: JobChannel, changes: JobChanges): void {
    channel.persisting = channel.persisting
      .then(() => this.jobs.updateActive(channel.promptId, changes))
      .then(
        () => undefined,
        (error: unknown) =>
          this.logger.error({ err: error, promptId: channel.promptId }, 'Ledger write failed'),
      );
  }

  private rewired(current: ComfyWiring | null): void {
    for (const channel of this.channels.values()) {
      if (channel.isTerminal) continue;
      if (current) {
        channel.socketWarned = false;
        this.startUpstream(channel, true);
        continue;
      }
      channel.upstream?.abort();
      channel.upstream = null;
      if (channel.subscribers.size > 0) {
        this.emit(
          channel,
          'warning',
          {
            prompt_id: channel.promptId,
            code: 'comfy.disabled',
            message: 'The ComfyUI integration was switched off',
          },
          performance.now(),
        );
        this.flush(channel);
      }
      this.closeSubscribers(channel);
    }
  }

  private closeSubscribers(channel: JobChannel): void {
    for (const subscriber of channel.subscribers) subscriber.close();
    this.subscriberCount -= channel.subscribers.size;
    channel.subscribers.clear();
    this.stopHeartbeatIfIdle();
  }

  private scheduleEviction(channel: JobChannel): void {
    clearTimeout(channel.evictTimer);
    channel.evictTimer = setTimeout(() => {
      if (channel.subscribers.size === 0 && this.channels.get(channel.promptId) === channel) {
        this.channels.delete(channel.promptId);
      }
    }, finishedRetentionMs);
    channel.evictTimer.unref();
  }

  /** One timer for every stream: comment lines so proxies do not close quiet connections. */
  private ensureHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => {
      for (const channel of this.channels.values()) {
        for (const subscriber of channel.subscribers) subscriber.send(heartbeatBytes);
      }
    }, this.config.comfyTuning.sseHeartbeatMs);
    this.heartbeat.unref();
  }

  private stopHeartbeatIfIdle(): void {
    if (this.subscriberCount > 0 || !this.heartbeat) return;
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }
}

function sameProgress(a: JobProgress, b: JobProgress | null): boolean {
  return b !== null && a.value === b.value && a.max === b.max && a.node === b.node;
}
