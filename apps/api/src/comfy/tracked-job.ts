import { executionSeconds, type JobState } from '@atelier/comfy-client';
import { terminalJobStatuses, type JobError, type JobProgress, type Role } from '@atelier/contract';
import type { AppEventMap, JobSnapshot } from '../events/app-events.js';

/* The tracker's pieces that need none of its services: one followed job, and how ComfyUI's states map to ours. */

export const lostError: JobError = {
  code: 'comfy.job_lost',
  message: 'ComfyUI no longer knows this job (it restarted or dropped it)',
};

export type Tracking = AppEventMap['job.tracking']['via'];
export type EndEvent = 'job.succeeded' | 'job.failed' | 'job.interrupted' | 'job.lost';

/** One job as the tracker follows it: its live state and its one upstream. */
export class TrackedJob {
  upstream: AbortController | null = null;
  /** How it is followed, as last published (`polling` while ComfyUI's socket is down). */
  via: Tracking = 'socket';
  cancelRequested = false;
  persisting: Promise<void> = Promise.resolve();
  evictTimer: NodeJS.Timeout | undefined;
  /** The owner's role when it was queued (usage is summed per role). */
  ownerRole: Role | null = null;
  /** When it was first seen running here: its GPU time when ComfyUI gave no timestamps. */
  runningSince: number | null = null;

  constructor(
    readonly promptId: string,
    readonly ownerId: number,
    /** The backend whose queue holds it (followed on that backend's wiring). */
    public backendId: number,
    public snapshot: JobSnapshot,
  ) {}

  get isTerminal(): boolean {
    return terminalJobStatuses.includes(this.snapshot.status);
  }

  /** Still in Atelier's own queue: no backend holds it, there is nothing upstream to follow yet. */
  get isWaiting(): boolean {
    return this.snapshot.status === 'waiting';
  }
}

export const endStatus = {
  'job.succeeded': 'succeeded',
  'job.failed': 'failed',
  'job.interrupted': 'interrupted',
  'job.lost': 'lost',
} as const satisfies Record<EndEvent, JobSnapshot['status']>;

/**
 * GPU time by ComfyUI's own clock (execution_start to its end: cached nodes cost nothing); the time seen
 * running here when it gave no timestamps (older servers); 0 for a job that never ran or was lost.
 */
export function gpuSecondsOf(job: TrackedJob, ended: JobState): number {
  if (ended.status === 'lost') return 0;
  const timing = ended.status === 'queued' || ended.status === 'running' ? null : ended.timing;
  const seconds = executionSeconds(timing);
  if (seconds !== null) return seconds;
  return job.runningSince === null ? 0 : Math.max(0, Date.now() - job.runningSince) / 1000;
}

export function sameProgress(a: JobProgress, b: JobProgress | null): boolean {
  return b !== null && a.value === b.value && a.max === b.max && a.node === b.node;
}

type Running = Extract<JobState, { status: 'running' }>;

/** A running state's progress: ComfyUI's, or the last one while no node runs (between two), else none. */
export function progressOf(state: Running, previous: JobProgress | null): JobProgress | null {
  if (state.progress) return { value: state.progress.value, max: state.progress.max, node: state.node };
  return state.node === null ? previous : null;
}

/** ComfyUI's execution error as the contract's JobError. */
export function failureOf(state: Extract<JobState, { status: 'failed' }>): JobError {
  return {
    message: state.message,
    node_id: state.node,
    node_type: state.nodeType,
    exception_type: state.errorType,
  };
}
