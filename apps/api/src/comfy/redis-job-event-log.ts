import type { ComfyStreamEventName } from '@atelier/contract';
import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { JobEventLog } from './job-event-log.js';
import type { LoggedEvent } from './job-event-frames.js';

/** Entries kept per job (approximately: `MAXLEN ~` trims whole nodes, which is cheap). */
export const maxLoggedEvents = 2000;
/** A running job's log lives this long after its latest event (refreshed by each one). */
const runningTtlMs = 30 * 60_000;
/** A finished job's log stays this long for late or reconnecting browsers. */
const finishedTtlMs = 60 * 60_000;

/** The stream of one job. */
export function jobLogKey(promptId: string): string {
  return `atelier:job:${promptId}`;
}

/**
 * Each job's SSE events in a Redis stream `atelier:job:<promptId>` (fields `e` = event, `d` = JSON data):
 * the stream ids are the SSE ids, so a browser resumes on any replica. Previews are logged as their
 * short URL only; the bytes stay in JobPreviews of the replica that follows the job (the latest also in
 * Redis: shared-previews.ts).
 */
export class RedisJobEventLog extends JobEventLog {
  readonly shared = true;
  private readonly logger = new Logger('JobEventLog');
  private failing = false;

  constructor(private readonly redis: Redis) {
    super();
  }

  append(promptId: string, event: ComfyStreamEventName, data: unknown): void {
    const key = jobLogKey(promptId);
    const ttl = event === 'done' ? finishedTtlMs : runningTtlMs;
    // One connection, one pipeline: the appends of a job reach Redis in the order StreamHub made them.
    this.redis
      .multi()
      .xadd(key, 'MAXLEN', '~', maxLoggedEvents, '*', 'e', event, 'd', JSON.stringify(data))
      .pexpire(key, ttl)
      .exec()
      .then(() => {
        if (this.failing) this.logger.log('Job events reach Redis again');
        this.failing = false;
      })
      .catch((error: Error) => this.failed(error));
  }

  restart(promptId: string): void {
    // In the pipeline's order: before the new run's first append.
    this.redis.eval(dropFinishedLog, 1, jobLogKey(promptId)).catch((error: Error) => this.failed(error));
  }

  private failed(error: Error): void {
    // Once per outage: streams on other replicas miss these events and fall back to the job's state.
    if (!this.failing) this.logger.warn(`Cannot log job events in Redis: ${error.message}`);
    this.failing = true;
  }
}

/** Deletes a job's log when its newest entry is `done` (fields: e, <event>, d, <data>). */
const dropFinishedLog = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if last[1] and last[1][2][2] == 'done' then redis.call('DEL', KEYS[1]) end
return 0`;

type RawEntry = [id: string, fields: string[]];

/** Reads a job's log (on any replica). */
export class JobLogReader {
  constructor(private readonly redis: Redis) {}

  /** The newest `count` entries, newest first (empty when the job has no log). */
  async newest(promptId: string, count: number): Promise<LoggedEvent[]> {
    const raw = (await this.redis.xrevrange(jobLogKey(promptId), '+', '-', 'COUNT', count)) as RawEntry[];
    return raw.map(toEvent);
  }

  /** The entries from `id` on, `id` itself included when the log still holds it. */
  async from(promptId: string, id: string): Promise<LoggedEvent[]> {
    const raw = (await this.redis.xrange(
      jobLogKey(promptId),
      id,
      '+',
      'COUNT',
      maxLoggedEvents * 2,
    )) as RawEntry[];
    return raw.map(toEvent);
  }
}

export function toEvent([id, fields]: RawEntry): LoggedEvent {
  const entry: LoggedEvent = { id, event: 'status', data: '' };
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 'e') entry.event = fields[i + 1] as ComfyStreamEventName;
    else if (fields[i] === 'd') entry.data = fields[i + 1] ?? '';
  }
  return entry;
}
