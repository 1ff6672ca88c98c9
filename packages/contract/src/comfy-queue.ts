/** Shapes of Atelier's own job queue: /api/comfy/queue and the per-job queue controls. */
import type { JobStatus } from './comfy.js';

/** Where a waiting job goes: to the head, to the tail, or to a 1-based place among the owner's waiting jobs. */
export type QueuePositionTarget = 'top' | 'bottom' | number;

/** PATCH /api/comfy/jobs/:promptId body (waiting jobs only; 409 otherwise). */
export interface JobPatch {
  position: QueuePositionTarget;
}

/** PATCH /api/comfy/jobs/:promptId answer: the job's place after the move. */
export interface JobPatchResponse {
  prompt_id: string;
  status: JobStatus;
  /** 1-based among the owner's waiting jobs. */
  waiting_position: number;
}

/** GET /api/comfy/queue (and the answer of pause/resume/PATCH): the caller's queue. */
export interface QueueStateResponse {
  /** The caller's own queue is paused: its waiting jobs stay until resumed. */
  paused: boolean;
  /** An admin paused every queue (runtime setting `comfy_queue_paused`). */
  all_paused: boolean;
  /** A job of the caller's that ComfyUI lost is re-queued once automatically. */
  auto_retry: boolean;
  /** The caller's waiting jobs. */
  waiting: number;
  /** The caller's jobs in a backend's queue or running. */
  running: number;
}

/** PATCH /api/comfy/queue body. */
export interface QueuePatch {
  auto_retry: boolean;
}

/** POST /api/comfy/queue/pause|resume query: `all=1` (admins) pauses or resumes every queue. */
export interface QueuePauseQuery {
  all?: '1' | '0' | 'true' | 'false';
}

/** POST /api/comfy/jobs/:promptId/retry: the new job, linked to the one it re-runs. */
export interface QueueRetryResponse {
  prompt_id: string;
  retry_of: string;
  status: JobStatus;
}

/** Details of 422 `comfy.no_backend`: what each configured backend lacks to run the graph. */
export interface NoBackendDetails {
  backends: Record<string, string[]>;
}
