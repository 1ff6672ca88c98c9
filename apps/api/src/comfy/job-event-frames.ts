import { terminalJobStatuses, type ComfyStreamEventMap, type ComfyStreamEventName } from '@atelier/contract';
import type { JobSnapshot } from '../events/app-events.js';
import { toStatusResponse } from './job-views.js';

export type OutcomeFrame = {
  [K in ComfyStreamEventName]: [K, ComfyStreamEventMap[K]];
}[ComfyStreamEventName];

/** What a job's state says, in order: images or error once it ended, its status, and `done` at the end. */
export function outcomeFramesOf(promptId: string, job: JobSnapshot): OutcomeFrame[] {
  const prompt_id = promptId;
  const frames: OutcomeFrame[] = [];
  if (job.status === 'succeeded' && job.images.length > 0)
    frames.push(['images', { prompt_id, images: job.images }]);
  if (job.error && (job.status === 'failed' || job.status === 'lost'))
    frames.push(['error', { prompt_id, ...job.error }]);
  frames.push(['status', toStatusResponse(prompt_id, job)]);
  if (terminalJobStatuses.includes(job.status)) frames.push(['done', { prompt_id, status: job.status }]);
  return frames;
}

/** One entry of a job's shared event log (a Redis stream): its stream id, event name and JSON data. */
export interface LoggedEvent {
  id: string;
  event: ComfyStreamEventName;
  /** The event's data as JSON text, written into the frame as is. */
  data: string;
}

/** The SSE frame of a logged event; its `id:` is the stream id, valid on every replica. */
export function frameOf(entry: LoggedEvent): Buffer {
  return Buffer.from(`id: ${entry.id}\nevent: ${entry.event}\ndata: ${entry.data}\n\n`);
}

/** After this event the stream ends: the job is over, or the integration was switched off. */
export function endsStream(entry: LoggedEvent): boolean {
  return entry.event === 'done' || (entry.event === 'warning' && entry.data.includes('"comfy.disabled"'));
}

/** The id a new stream starts from when the log is empty: every later entry is after it. */
export const logStartId = '0-0';

/** A Redis stream id (`<ms>-<seq>`), as a browser sends it back in Last-Event-ID. */
export function isStreamId(value: string): boolean {
  return /^\d{1,15}-\d{1,15}$/.test(value);
}

/** Orders two stream ids (negative when `a` is older). */
export function compareStreamIds(a: string, b: string): number {
  const [aMs = 0, aSeq = 0] = a.split('-').map(Number);
  const [bMs = 0, bSeq = 0] = b.split('-').map(Number);
  return aMs - bMs || aSeq - bSeq;
}

/**
 * The last burst of a finished job's log (images or error, status, done), oldest first, from the newest
 * entries (newest first); null when the log does not end with `done`.
 */
export function finalBurst(newestFirst: LoggedEvent[]): LoggedEvent[] | null {
  const [done, status, before] = newestFirst;
  if (done?.event !== 'done') return null;
  if (status?.event !== 'status') return [done];
  if (before?.event === 'images' || before?.event === 'error') return [before, status, done];
  return [status, done];
}
