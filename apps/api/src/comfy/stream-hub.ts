import { terminalJobStatuses, type ComfyStreamEventMap, type ComfyStreamEventName } from '@atelier/contract';
import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { AppConfig } from '../config/app-config.js';
import { jobEndEvents, type AppEventMap, type JobEventName, type JobSnapshot } from '../events/app-events.js';
import { EventBus } from '../events/event-bus.js';
import { outcomeFramesOf, type OutcomeFrame } from './job-event-frames.js';
import { JobEventLog } from './job-event-log.js';
import type { ComfyJobEntity } from './job.entity.js';
import { JobPreviews } from './job-previews.js';
import { JobTracker } from './job-tracker.js';
import { snapshotFromLedger, toStatusResponse } from './job-views.js';
import { formatSseFrame, sseHeartbeat } from './sse.js';

/** One SSE client of a job. */
export interface JobSubscriber {
  /** Writes one formatted SSE frame (or heartbeat), encoded once for every subscriber. */
  send(bytes: Buffer): void;
  /** Ends the stream: after the terminal event, or when the integration goes away. */
  close(): void;
}

export interface SubscribeResult {
  /** What the subscriber gets first: the events it missed, or the current state. */
  initial: Buffer[];
  /** False when the job is over: send `initial` and end. */
  live: boolean;
  unsubscribe: () => void;
}

interface Frame {
  id: string;
  seq: number;
  event: ComfyStreamEventName;
  bytes: Buffer;
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

/** A job's stream: its event log with increasing ids, the last state it told, and its subscribers. */
class StreamChannel {
  /** Distinguishes this log from an earlier one of the same job (after a restart or eviction) in event ids. */
  readonly tag = randomBytes(3).toString('base64url');
  seq = 0;
  /** Highest seq dropped from the log (resuming from before it needs a snapshot). */
  droppedUpTo = 0;
  readonly log: Frame[] = [];
  latestPreview: Frame | null = null;
  /** The socket-down warning, while the job is followed by polling. */
  warning: Frame | null = null;
  /** Frames of the current event, written together (one socket write per subscriber for a burst). */
  readonly outbox: Frame[] = [];
  lastPreviewAt = Number.NEGATIVE_INFINITY;
  readonly subscribers = new Set<JobSubscriber>();
  evictTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly promptId: string,
    public job: JobSnapshot,
  ) {}

  get isTerminal(): boolean {
    return terminalJobStatuses.includes(this.job.status);
  }

  idOf(seq: number): string {
    return `${this.tag}:${seq}`;
  }
}

/**
 * Server-Sent Events for jobs: turns the tracker's job events into SSE frames, keeps each job's log for
 * `Last-Event-ID` resumption, fans every frame out to the job's subscribers as one buffer, and sends the
 * heartbeat. It knows nothing of ComfyUI: the tracker follows the jobs, this only tells browsers.
 */
@Injectable()
export class StreamHub implements OnModuleInit, OnModuleDestroy {
  private readonly channels = new Map<string, StreamChannel>();
  private heartbeat: NodeJS.Timeout | undefined;
  private subscriberCount = 0;
  private readonly detach: (() => void)[] = [];

  constructor(
    private readonly tracker: JobTracker,
    private readonly config: AppConfig,
    private readonly bus: EventBus,
    private readonly previews: JobPreviews,
    private readonly eventLog: JobEventLog,
  ) {}

  onModuleInit(): void {
    const on = <K extends JobEventName>(
      name: K,
      handler: (channel: StreamChannel, event: AppEventMap[K]) => void,
    ) =>
      this.detach.push(
        this.bus.subscribe(name, (event) => {
          const channel = this.channelFor(event.promptId, event.job);
          channel.job = event.job;
          handler(channel, event);
          this.flush(channel);
        }),
      );
    // Submitted again under the same id: its old, finished stream is over. A stream opened while the job
    // waited in Atelier's queue hears that a backend has it (looked up, never created: few jobs are watched).
    this.detach.push(
      this.bus.subscribe('job.queued', ({ promptId, job }) => {
        this.eventLog.restart(promptId);
        const old = this.channels.get(promptId);
        if (old?.isTerminal) this.drop(old);
        // Scale-out: every job's log tells this, whoever watches it on whichever replica.
        const channel = this.eventLog.shared ? this.channelFor(promptId, job) : this.channels.get(promptId);
        if (!channel) return;
        channel.job = job;
        this.emitStatus(channel);
        this.flush(channel);
      }),
    );
    on('job.position', (channel) => this.emitStatus(channel));
    on('job.running', (channel) => this.emitStatus(channel));
    on('job.progress', (channel, { promptId, progress }) =>
      this.emit(channel, 'progress', { prompt_id: promptId, ...progress }),
    );
    on('job.preview', (channel, event) => this.preview(channel, event));
    on('job.tracking', (channel, { via }) => this.tracking(channel, via));
    for (const name of jobEndEvents) on(name, (channel) => this.finish(channel));
  }

  onModuleDestroy(): void {
    for (const off of this.detach.splice(0)) off();
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    for (const channel of this.channels.values()) {
      clearTimeout(channel.evictTimer);
      this.closeSubscribers(channel);
    }
    this.channels.clear();
  }

  /**
   * Registers an SSE client (and makes sure the job is followed). With a Last-Event-ID from this job's
   * current log it gets what it missed; otherwise (first visit, or an id the log no longer covers) the
   * current state first.
   */
  subscribe(row: ComfyJobEntity, lastEventId: string | null, subscriber: JobSubscriber): SubscribeResult {
    this.tracker.track(row);
    const channel = this.channelFor(
      row.promptId,
      this.tracker.snapshotOf(row.promptId) ?? snapshotFromLedger(row),
    );
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

  /** Counts for tests and benchmarks: SSE clients (of one job, or of all). */
  stats(promptId?: string): { subscribers: number } {
    if (promptId === undefined) return { subscribers: this.subscriberCount };
    return { subscribers: this.channels.get(promptId)?.subscribers.size ?? 0 };
  }

  private channelFor(promptId: string, job: JobSnapshot): StreamChannel {
    let channel = this.channels.get(promptId);
    if (!channel) {
      channel = new StreamChannel(promptId, job);
      this.channels.set(promptId, channel);
      if (channel.isTerminal) this.scheduleEviction(channel);
    }
    return channel;
  }

  private catchUp(channel: StreamChannel, lastEventId: string | null): Buffer[] {
    const resumeFrom = this.resumePoint(channel, lastEventId);
    if (resumeFrom !== null) {
      return channel.log.filter((frame) => frame.seq > resumeFrom).map((frame) => frame.bytes);
    }
    return this.snapshotFrames(channel);
  }

  /** The seq to resume after, when the id belongs to this log and the log still holds what followed it. */
  private resumePoint(channel: StreamChannel, lastEventId: string | null): number | null {
    if (!lastEventId) return null;
    const match = /^([A-Za-z0-9_-]+):(\d{1,9})$/.exec(lastEventId.trim());
    if (!match || match[1] !== channel.tag) return null;
    const seq = Number(match[2]);
    return seq >= channel.droppedUpTo && seq <= channel.seq ? seq : null;
  }

  /** The current state as frames, all with the latest id: a status, plus the terminal events of a finished job. */
  private snapshotFrames(channel: StreamChannel): Buffer[] {
    const id = channel.idOf(channel.seq);
    const frame = <K extends ComfyStreamEventName>(event: K, data: ComfyStreamEventMap[K]) =>
      Buffer.from(formatSseFrame(id, event, data));
    const frames: Buffer[] = this.outcomeFrames(channel).map(([event, data]) => frame(event, data));
    if (!channel.isTerminal) {
      if (channel.warning) frames.push(channel.warning.bytes);
      if (channel.latestPreview && channel.job.status === 'running') frames.push(channel.latestPreview.bytes);
    }
    return frames;
  }

  private outcomeFrames(channel: StreamChannel): OutcomeFrame[] {
    return outcomeFramesOf(channel.promptId, channel.job);
  }

  private emitStatus(channel: StreamChannel): void {
    this.emit(channel, 'status', toStatusResponse(channel.promptId, channel.job));
  }

  private finish(channel: StreamChannel): void {
    channel.latestPreview = null;
    this.previews.end(channel.promptId);
    channel.warning = null;
    for (const [event, data] of this.outcomeFrames(channel)) this.emit(channel, event, data);
    this.flush(channel);
    this.closeSubscribers(channel);
    this.scheduleEviction(channel);
  }

  private preview(channel: StreamChannel, event: AppEventMap['job.preview']): void {
    const now = performance.now();
    if (now - channel.lastPreviewAt < previewIntervalMs) return;
    const { promptId: prompt_id } = channel;
    // The bytes stay in JobPreviews, fetched once per browser; every subscriber gets only their URL.
    const kept = this.previews.put(prompt_id, event.ownerId, event.mimeType, event.bytes);
    if (!kept) return;
    channel.lastPreviewAt = now;
    this.emit(channel, 'preview', { prompt_id, format: event.format, mime: event.mimeType, ...kept });
  }

  private tracking(channel: StreamChannel, via: AppEventMap['job.tracking']['via']): void {
    const prompt_id = channel.promptId;
    if (via === 'socket') {
      channel.warning = null;
    } else if (via === 'polling') {
      const message = 'The live connection to ComfyUI dropped; following the job by polling';
      channel.warning = this.emit(channel, 'warning', { prompt_id, code: 'comfy.socket_down', message });
    } else {
      channel.warning = null;
      channel.latestPreview = null;
      this.previews.end(prompt_id);
      if (channel.subscribers.size === 0 && !this.eventLog.shared) return;
      const message = 'The ComfyUI integration was switched off';
      this.emit(channel, 'warning', { prompt_id, code: 'comfy.disabled', message });
      this.flush(channel);
      this.closeSubscribers(channel);
    }
  }

  private emit<K extends ComfyStreamEventName>(
    channel: StreamChannel,
    event: K,
    data: ComfyStreamEventMap[K],
  ): Frame {
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
    channel.outbox.push(frame);
    this.eventLog.append(channel.promptId, event, data); // Scale-out: for streams on every replica.
    return frame;
  }

  /** Writes the frames of this turn to every subscriber, as one buffer. */
  private flush(channel: StreamChannel): void {
    if (channel.outbox.length === 0) return;
    const out = channel.outbox.splice(0);
    const bytes = out.length === 1 && out[0] ? out[0].bytes : Buffer.concat(out.map((frame) => frame.bytes));
    for (const subscriber of channel.subscribers) subscriber.send(bytes);
  }

  private drop(channel: StreamChannel): void {
    clearTimeout(channel.evictTimer);
    this.closeSubscribers(channel);
    this.channels.delete(channel.promptId);
  }

  private closeSubscribers(channel: StreamChannel): void {
    for (const subscriber of channel.subscribers) subscriber.close();
    this.subscriberCount -= channel.subscribers.size;
    channel.subscribers.clear();
    this.stopHeartbeatIfIdle();
  }

  private scheduleEviction(channel: StreamChannel): void {
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
