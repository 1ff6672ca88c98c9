/**
 * The pool of ComfyUI servers (GET/POST /api/admin/backends, PATCH/DELETE /api/admin/backends/:id). Backend 1 is
 * the default: it follows the `comfy_api_url` setting (COMFY_API_URL, or the managed server) while its `url` is
 * null, and it cannot be deleted.
 */

/** Bounds the API enforces (and the admin form shows). */
export const backendBounds = {
  nameMaxLength: 64,
  urlMaxLength: 2048,
  weightMin: 0.01,
  weightMax: 100,
  maxTags: 16,
  tagMaxLength: 32,
} as const;

/** A backend name: letters, digits, `_`, `-`, `.` and spaces, starting with a letter or digit. */
export const backendNamePattern = '^[A-Za-z0-9][A-Za-z0-9 _.-]{0,63}$';
/** A tag: lower-case letters, digits, `_`, `-`, `.`, `:`. */
export const backendTagPattern = '^[a-z0-9][a-z0-9_.:-]{0,31}$';

/**
 * - `up`: wired and answering (jobs may be sent to it unless it drains);
 * - `connecting`: wired, not probed yet (or warming up after a (re)connect);
 * - `down`: wired, not answering;
 * - `disabled`: switched off (by the admin, or the whole integration is off): not wired at all.
 */
export const backendStates = ['up', 'down', 'connecting', 'disabled'] as const;
export type BackendState = (typeof backendStates)[number];

export interface BackendView {
  id: number;
  name: string;
  /** Its own URL; null for the default backend while it follows the `comfy_api_url` setting. */
  url: string | null;
  /** The URL it is wired to now (the setting's or the managed server's when `url` is null); null while unwired. */
  effective_url: string | null;
  is_default: boolean;
  /** Preference among backends with room (higher first). */
  weight: number;
  tags: string[];
  enabled: boolean;
  /** Running jobs finish; nothing new is sent to it. */
  draining: boolean;
  state: BackendState;
  /** Jobs Atelier has handed to it that have not ended (queued or running there). */
  in_flight: number;
  /** ComfyUI's own count of prompts still to run; null when unknown. */
  queue_remaining: number | null;
  latency_ms: number | null;
  last_error: string | null;
  /** ComfyUI's version as its /system_stats reports it. */
  version: string | null;
  /** When its /object_info was last fetched (ISO); null before the first fetch. */
  object_info_at: string | null;
  created_at: string;
  updated_at: string;
}

/** POST /api/admin/backends. */
export interface BackendInput {
  name: string;
  /** http:// or https:// only. */
  url: string;
  weight?: number;
  tags?: string[];
  enabled?: boolean;
  draining?: boolean;
}

/**
 * PATCH /api/admin/backends/:id: only what changes. `url: null` (default backend only) makes it follow the
 * `comfy_api_url` setting again. Changing the URL of a backend with jobs in flight is 409 `conflict`.
 */
export interface BackendPatch {
  name?: string;
  url?: string | null;
  weight?: number;
  tags?: string[];
  enabled?: boolean;
  draining?: boolean;
}

export interface BackendListResponse {
  items: BackendView[];
}

/** One backend in GET /api/comfy/health (everyone sees names and states; URLs are for admins, in BackendView). */
export interface BackendHealth {
  id: number;
  name: string;
  is_default: boolean;
  state: BackendState;
  draining: boolean;
  in_flight: number;
  queue_remaining: number | null;
}
