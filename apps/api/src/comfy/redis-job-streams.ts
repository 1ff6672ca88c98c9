import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { setTimeout as delay } from 'node:timers/promises';
import { AppConfig } from '../config/app-config.js';
import { REDIS_CONNECTIONS, type RedisConnections } from '../redis/redis-connections.js';
import { compareStreamIds, endsStream, frameOf, logStartId, type LoggedEvent } from './job-event-frames.js';
import type { ComfyJobEntity } from './job.entity.js';
import { snapshot, streamStart } from './job-stream-start.js';
import { JobTracker } from './job-tracker.js';
import { snapshotFromLedger } from './job-views.js';
import { jobLogKey, JobLogReader, toEvent } from './redis-job-event-log.js';
import { sseHeartbeat } from './sse.js';
import type { JobSubscriber, SubscribeResult } from './stream-hub.js';

/** One SSE client and the last log id it was sent. */
interface Reader {
  subscriber: JobSubscriber;
  cursor: string;
}

/** How long one XREAD waits before the loop looks again (it is interrupted sooner when the key set changes). */
const blockMs = 30_000;
const heartbeatBytes = Buffer.from(sseHeartbeat);

/**
 * SSE streams in scale-out mode, on any replica: each job's events come from its Redis stream (written by
 * the replica that follows the job, through StreamHub and RedisJobEventLog), so a browser may stream from
 * a replica that does not follow the job and resume on another one with Last-Event-ID. This never calls
 * `tracker.track()`: following a job is the dispatching replica's work. One loop per replica tails every
 * watched job with a single `XREAD BLOCK` on a connection of its own, interrupted (CLIENT UNBLOCK) when a
 * job is added, and fans each burst out to the job's readers from the id each one has.
 */
@Injectable()
export class RedisJobStreams implements OnModuleDestroy {
  private readonly logger = new Logger('JobStreams');
  private readonly tails = new Map<string, Set<Reader>>();
  private readonly log: JobLogReader | null;
  private blocking: Redis | null = null;
  private blockingId: number | null = null;
  private running = false;
  private stopped = false;
  private reading = false;
  private interrupting = false;
  private idle: (() => void) | null = null;
  private failing = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private readerCount = 0;

  constructor(
    @Inject(REDIS_CONNECTIONS) private readonly connections: RedisConnections | null,
    private readonly tracker: JobTracker,
    private readonly config: AppConfig,
  ) {
    this.log = connections ? new JobLogReader(connections.command) : null;
  }

  /** True in scale-out mode: JobStreams serves every stream from here. */
  get enabled(): boolean {
    return this.log !== null;
  }

  onModuleDestroy(): void {
    this.stopped = true;
    this.idle?.();
    clearInterval(this.heartbeat);
    for (const readers of this.tails.values()) for (const reader of readers) reader.subscriber.close();
    this.tails.clear();
    this.readerCount = 0;
    this.blocking?.disconnect();
  }

  async subscribe(
    row: ComfyJobEntity,
    lastEventId: string | null,
    subscriber: JobSubscriber,
  ): Promise<SubscribeResult> {
    const { promptId } = row;
    const current = () => this.tracker.snapshotOf(promptId) ?? snapshotFromLedger(row);
    let start;
    try {
      if (!this.log) throw new Error('Redis is not configured');
      start = await streamStart(this.log, promptId, lastEventId, current);
    } catch (error) {
      // Redis unreachable: the state once, then the stream ends and the browser reconnects (after `retry`).
      this.warn(error as Error);
      start = { ...snapshot([], promptId, current()), live: false };
    }
    const { initial } = start;
    if (!start.live || this.stopped) return { initial, live: false, unsubscribe: () => undefined };

    const key = jobLogKey(promptId);
    const reader: Reader = { subscriber, cursor: start.cursor };
    let readers = this.tails.get(key);
    if (!readers) this.tails.set(key, (readers = new Set()));
    readers.add(reader);
    this.readerCount += 1;
    this.ensureHeartbeat();
    this.rearm();
    return { initial, live: true, unsubscribe: () => this.remove(key, reader) };
  }

  /** Open streams (for tests and metrics). */
  stats(): { subscribers: number } {
    return { subscribers: this.readerCount };
  }

  private remove(key: string, reader: Reader): void {
    const readers = this.tails.get(key);
    if (!readers?.delete(reader)) return;
    this.readerCount -= 1;
    if (readers.size === 0) this.tails.delete(key);
    if (this.readerCount === 0) {
      clearInterval(this.heartbeat);
      this.heartbeat = undefined;
    }
  }

  /** Starts the loop, or makes it read again with the current set of jobs. */
  private rearm(): void {
    if (!this.running) {
      this.running = true;
      void this.run();
    } else if (this.idle) {
      this.idle();
    } else if (this.reading) {
      void this.interrupt();
    }
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (this.tails.size === 0) {
        await new Promise<void>((resolve) => (this.idle = resolve));
        this.idle = null;
        continue;
      }
      let reply: [string, [string, string[]][]][] | null;
      try {
        const blocking = await this.blockingConnection();
        // Read after the last await: no job added meanwhile is left out of this XREAD.
        const keys = [...this.tails.keys()];
        const ids = keys.map((key) => oldestCursor(this.tails.get(key)));
        this.reading = true;
        reply = await blocking.xread('BLOCK', blockMs, 'STREAMS', ...keys, ...ids);
        this.failing = false;
      } catch (error) {
        if (this.stopped) return;
        this.warn(error as Error);
        await delay(1000);
        continue;
      } finally {
        this.reading = false;
      }
      for (const [key, entries] of reply ?? []) this.deliver(key, entries.map(toEvent));
    }
  }

  /** Sends each reader the entries after its cursor, as one buffer; ends those that reached the end. */
  private deliver(key: string, entries: LoggedEvent[]): void {
    const frames = new Map<LoggedEvent, Buffer>();
    const bytesOf = (entry: LoggedEvent) =>
      frames.get(entry) ?? frames.set(entry, frameOf(entry)).get(entry)!;
    for (const reader of [...(this.tails.get(key) ?? [])]) {
      const fresh = entries.filter((entry) => compareStreamIds(entry.id, reader.cursor) > 0);
      if (fresh.length === 0) continue;
      const end = fresh.findIndex(endsStream);
      const out = end >= 0 ? fresh.slice(0, end + 1) : fresh;
      reader.cursor = out[out.length - 1]!.id;
      reader.subscriber.send(out.length === 1 ? bytesOf(out[0]!) : Buffer.concat(out.map(bytesOf)));
      if (end >= 0) {
        this.remove(key, reader);
        reader.subscriber.close();
      }
    }
  }

  /** A connection of its own: a blocked XREAD holds its connection until it returns. */
  private async blockingConnection(): Promise<Redis> {
    if (!this.blocking) {
      this.blocking = this.connections!.command.duplicate({
        connectionName: `${this.connections!.command.options.connectionName ?? 'atelier'}:xread`,
        enableOfflineQueue: true,
      });
      this.blocking.on('error', () => undefined); // Reported by the loop, once per outage.
      this.blocking.on('close', () => (this.blockingId = null));
    }
    this.blockingId ??= await this.blocking.client('ID');
    return this.blocking;
  }

  /** Ends the XREAD in flight (it then returns nothing); retried until Redis has seen it block. */
  private async interrupt(): Promise<void> {
    if (this.interrupting) return;
    this.interrupting = true;
    try {
      while (this.reading && !this.stopped && this.blockingId !== null) {
        const unblocked = await this.connections!.command.client('UNBLOCK', this.blockingId).catch(() => 0);
        if (unblocked === 1) return;
        await delay(5);
      }
    } finally {
      this.interrupting = false;
    }
  }

  private ensureHeartbeat(): void {
    if (this.heartbeat) return;
    this.heartbeat = setInterval(() => {
      for (const readers of this.tails.values())
        for (const reader of readers) reader.subscriber.send(heartbeatBytes);
    }, this.config.comfyTuning.sseHeartbeatMs);
    this.heartbeat.unref();
  }

  private warn(error: Error): void {
    if (!this.failing) this.logger.warn(`Cannot read job events from Redis: ${error.message}`);
    this.failing = true;
  }
}

/** The oldest id the job's readers have: XREAD returns what follows it, each reader takes its part. */
function oldestCursor(readers: Set<Reader> | undefined): string {
  let oldest: string | null = null;
  for (const { cursor } of readers ?? [])
    if (oldest === null || compareStreamIds(cursor, oldest) < 0) oldest = cursor;
  return oldest ?? logStartId;
}
