import { terminalJobStatuses } from '@atelier/contract';
import type { JobSnapshot } from '../events/app-events.js';
import {
  endsStream,
  finalBurst,
  frameOf,
  isStreamId,
  logStartId,
  outcomeFramesOf,
  type LoggedEvent,
} from './job-event-frames.js';
import { toStatusResponse } from './job-views.js';
import { formatSseFrame } from './sse.js';

/** What the shared stream reads of a job's log (RedisJobStreams: a Redis stream). */
export interface JobLogSource {
  /** The newest `count` entries, newest first. */
  newest(promptId: string, count: number): Promise<LoggedEvent[]>;
  /** The entries from `id` on, `id` itself included when the log still holds it. */
  from(promptId: string, id: string): Promise<LoggedEvent[]>;
}

/** How a stream begins: the frames it gets first, the log id it continues after, and whether it stays open. */
export interface StreamStart {
  initial: Buffer[];
  cursor: string;
  live: boolean;
}

/** How far back a new stream looks for the job's latest status, warning and preview. */
const snapshotDepth = 200;

/**
 * Where a stream of a shared log starts. With a Last-Event-ID the log still holds, the events after it
 * (previews are only worth seeing live); otherwise, as the embedded StreamHub does, the current state as
 * frames carrying the log's latest id: the final burst of a finished job, or its latest status (plus a
 * newer warning or preview). `current` is the job's state as this replica knows it (tracker or ledger),
 * used when the log has no answer: a job that ended before it was logged, or a log that expired.
 */
export async function streamStart(
  log: JobLogSource,
  promptId: string,
  lastEventId: string | null,
  current: () => JobSnapshot,
): Promise<StreamStart> {
  const resumed =
    lastEventId && isStreamId(lastEventId) ? await resume(log, promptId, lastEventId, current) : null;
  return resumed ?? snapshot(await log.newest(promptId, snapshotDepth), promptId, current());
}

async function resume(
  log: JobLogSource,
  promptId: string,
  lastId: string,
  current: () => JobSnapshot,
): Promise<StreamStart | null> {
  const entries = await log.from(promptId, lastId);
  const fromStart = lastId === logStartId;
  // An id the log no longer holds (trimmed or expired) or never held: the client gets the state instead.
  if (!fromStart && entries[0]?.id !== lastId) return null;
  const ended = entries.some((entry) => entry.event === 'done');
  // Over, but `done` is not logged (yet, or ever): the state tells the outcome.
  if (!ended && isTerminal(current())) return null;
  const missed = (fromStart ? entries : entries.slice(1)).filter((entry) => entry.event !== 'preview');
  const end = missed.findIndex(endsStream);
  return {
    initial: (end >= 0 ? missed.slice(0, end + 1) : missed).map(frameOf),
    cursor: entries.at(-1)?.id ?? lastId,
    live: !ended,
  };
}

/** The current state as frames; exported for the stream's fallback while Redis is unreachable. */
export function snapshot(newestFirst: LoggedEvent[], promptId: string, job: JobSnapshot): StreamStart {
  const lastId = newestFirst[0]?.id ?? logStartId;
  const burst = finalBurst(newestFirst);
  if (burst) return { initial: burst.map(frameOf), cursor: lastId, live: false };
  if (isTerminal(job)) {
    const initial = outcomeFramesOf(promptId, job).map(([event, data]) =>
      Buffer.from(formatSseFrame(lastId, event, data)),
    );
    return { initial, cursor: lastId, live: false };
  }
  const statusAt = newestFirst.findIndex((entry) => entry.event === 'status');
  const status = newestFirst[statusAt];
  const initial = [
    status
      ? frameOf({ ...status, id: lastId })
      : Buffer.from(formatSseFrame(lastId, 'status', toStatusResponse(promptId, job))),
  ];
  // Told since that status: the socket-down warning and the latest preview.
  const since = statusAt >= 0 ? newestFirst.slice(0, statusAt) : newestFirst;
  for (const event of ['warning', 'preview'] as const) {
    const entry = since.find((candidate) => candidate.event === event);
    if (entry) initial.push(frameOf({ ...entry, id: lastId }));
  }
  return { initial, cursor: lastId, live: true };
}

function isTerminal(job: JobSnapshot): boolean {
  return terminalJobStatuses.includes(job.status);
}
