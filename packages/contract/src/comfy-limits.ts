/** Caps per role (GET/PUT /api/admin/limits/:role): what each role may queue and spend. */
import type { Role } from './auth.js';

/**
 * One role's caps. `null` = unlimited; `0` on a value limit (steps, pixels, batch size) means the role
 * may not run such graphs at all (403 `comfy.not_allowed`).
 */
export interface RoleLimits {
  /** Jobs waiting in Atelier's queue at once (429 `comfy.queue_full` beyond it). */
  max_waiting: number | null;
  /** Jobs of one user running or prefetched on the backends at once (the dispatcher holds the rest back). */
  max_running: number | null;
  /** Sampler steps per node (400 `comfy.limit_exceeded`). */
  max_steps: number | null;
  /** Width × height of a latent image per node. */
  max_pixels: number | null;
  /** Batch size per node. */
  max_batch_size: number | null;
  /** GPU-seconds per UTC day; once used up, new jobs get 429 `comfy.quota_exceeded` and waiting ones are held. */
  gpu_seconds_per_day: number | null;
  /** Share of the dispatcher's round-robin (1 = an equal turn; 2 = two turns for every one of weight 1). */
  weight: number;
}

/** Bounds a PUT is validated against; `weight` is never null. */
export const roleLimitBounds = {
  max_waiting: { min: 0, max: 100_000 },
  max_running: { min: 0, max: 1_000 },
  max_steps: { min: 0, max: 10_000 },
  max_pixels: { min: 0, max: 268_435_456 },
  max_batch_size: { min: 0, max: 4_096 },
  gpu_seconds_per_day: { min: 0, max: 31_536_000 },
  weight: { min: 0.1, max: 100 },
} as const;

export const roleLimitNames = [
  'max_waiting',
  'max_running',
  'max_steps',
  'max_pixels',
  'max_batch_size',
  'gpu_seconds_per_day',
  'weight',
] as const satisfies readonly (keyof RoleLimits)[];

/** What a fresh install has: no caps, equal weight. */
export const unlimitedRoleLimits: Readonly<RoleLimits> = {
  max_waiting: null,
  max_running: null,
  max_steps: null,
  max_pixels: null,
  max_batch_size: null,
  gpu_seconds_per_day: null,
  weight: 1,
};

/** GET /api/admin/limits/:role and the answer of PUT. */
export interface RoleLimitsResponse {
  role: Role;
  limits: RoleLimits;
  /** ISO-8601 UTC; null while the seeded defaults were never edited. */
  updated_at: string | null;
  updated_by: { id: number; username: string } | null;
}

/** GET /api/admin/limits: every role, in the order of `roles`. */
export interface RoleLimitsListResponse {
  items: RoleLimitsResponse[];
}

/**
 * PUT /api/admin/limits/:role body: the fields to change (absent = unchanged; `null` = unlimited,
 * except `weight`). Unknown fields are refused.
 */
export type RoleLimitsUpdate = Partial<RoleLimits>;

/** The cap an error names (`details.cap` of `comfy.queue_full|quota_exceeded|limit_exceeded|not_allowed`). */
export const capNames = [
  'max_waiting',
  'max_running',
  'max_steps',
  'max_pixels',
  'max_batch_size',
  'gpu_seconds_per_day',
  /** A sweep expands to more jobs than `maxSweepJobs`. */
  'sweep_jobs',
] as const;
export type CapName = (typeof capNames)[number];

/** `details` of the cap errors. */
export interface CapErrorDetails {
  cap: CapName;
  /** The role's limit that was hit. */
  limit: number;
  /** What the request asked for (steps, pixels, batch size, jobs being added). */
  value?: number;
  /** What the user already has (waiting jobs, GPU-seconds used today). */
  current?: number;
  /** Where in the graph, e.g. `3.steps` (node id and input). */
  field?: string;
}
