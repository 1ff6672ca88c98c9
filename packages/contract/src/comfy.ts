/** Shapes of /api/comfy: what the API answers and what the web app reads. */
import type { BackendHealth } from './comfy-backends.js';
import type { ManagedComfyStatus } from './comfy-managed.js';

/**
 * `waiting`: held in Atelier's own queue (reorderable, pausable), not yet posted to any ComfyUI;
 * `queued`: in a backend's queue.
 */
export const jobStatuses = [
  'waiting',
  'queued',
  'running',
  'succeeded',
  'failed',
  'interrupted',
  'lost',
] as const;
export type JobStatus = (typeof jobStatuses)[number];
export const terminalJobStatuses: readonly JobStatus[] = ['succeeded', 'failed', 'interrupted', 'lost'];

export type ComfyImageType = 'output' | 'input' | 'temp';

/** An image as ComfyUI names it; fetch its bytes through GET /api/comfy/view. */
export interface ComfyImageRef {
  filename: string;
  subfolder: string;
  type: ComfyImageType;
  /**
   * The pool's backend that holds the file (output names repeat across servers); absent: the default one.
   * GET /view takes it as `backend=<id>`.
   */
  backend?: number;
}

export interface JobProgress {
  value: number;
  max: number;
  /** Node id currently running, when known. */
  node: string | null;
}

export interface JobError {
  /** Machine-readable reason when Atelier (not ComfyUI) decided, e.g. `comfy.job_lost`, `comfy.unreachable`. */
  code?: string;
  message: string;
  node_id?: string | null;
  node_type?: string | null;
  exception_type?: string | null;
}

export interface ComfyStatusResponse {
  prompt_id: string;
  status: JobStatus;
  queue_position?: number;
  /** While `waiting`: 1-based place among the owner's waiting jobs. */
  waiting_position?: number;
  progress?: JobProgress;
  images?: ComfyImageRef[];
  error?: JobError;
}

export interface ComfyQueueRequest {
  /** An API-format prompt (or, where accepted, a UI workflow). */
  workflow: Record<string, unknown>;
  client_id?: string;
}

export interface ComfyQueueResponse {
  prompt_id: string;
  /** The caller's own client_id when it sent one (only recorded), else the id ComfyUI knows the job by. */
  client_id: string;
}

/** Upper bound of nodes in a queued API prompt. */
export const maxWorkflowNodes = 2000;

/** POST /api/comfy/cancel/:promptId: what was done (a queued job is removed, a running one interrupted). */
export interface ComfyCancelResponse {
  prompt_id: string;
  action: 'deleted' | 'interrupted' | 'none';
  status: JobStatus;
}

/** GET /api/comfy/jobs query. */
export interface ComfyJobsQuery {
  status?: JobStatus;
  /** Curators and admins see everyone's jobs unless `mine=1`; users always see only theirs. */
  mine?: '1' | '0' | 'true' | 'false';
  cursor?: string;
  /** 1–100, default 20. */
  limit?: number;
}

/** GET /api/comfy/view query: an image as ComfyUI names it. */
export interface ComfyViewQuery {
  filename: string;
  subfolder?: string;
  type?: ComfyImageType;
}
export const comfyImageTypes: readonly ComfyImageType[] = ['output', 'input', 'temp'];

export type ComfyWatchState = 'unknown' | 'up' | 'degraded' | 'down';
export type ComfySocketState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed' | 'gave_up';

export interface ComfyDevice {
  name: string;
  type: string;
  vram_total?: number;
  vram_free?: number;
}

export interface ComfyHealthInfo {
  base_url: string;
  /** Seconds. */
  timeout: number;
  client_wired: boolean;
  comfy: {
    state: ComfyWatchState;
    version: string | null;
    devices: ComfyDevice[];
    queue_remaining: number | null;
    last_error: string | null;
    latency_ms?: number | null;
    /** ISO time of the last probe. */
    checked_at?: string | null;
    /** The one WebSocket the server keeps to ComfyUI. */
    socket?: ComfySocketState;
  };
  /** Managed mode (Atelier runs ComfyUI itself): the child process; null or absent when ComfyUI runs elsewhere. */
  managed?: ManagedComfyStatus | null;
}

/**
 * GET /api/comfy/health. Everyone gets the switch and, while it is on, the watchdog's state and queue
 * length (what the status banner needs); only admins get `info`, which names internal addresses,
 * errors, devices and managed mode's process (pid, port, log lines).
 */
export interface ComfyHealthResponse {
  status: 'ok';
  enabled: boolean;
  /** Present while the integration is on. */
  state?: ComfyWatchState;
  /** Prompts waiting in ComfyUI's queue; null when unknown; present while the integration is on. */
  queue_remaining?: number | null;
  /** Admins only. */
  info?: ComfyHealthInfo;
  /** Every ComfyUI server of the pool and its state (present while the integration is on). */
  backends?: BackendHealth[];
}

export interface ComfyHistoryResponse {
  prompt_id: string;
  status: JobStatus;
  progress: JobProgress | null;
  images: ComfyImageRef[];
  /** Sanitised execution messages ([event, data] pairs without tracebacks or tensor dumps). */
  items: Array<{ event: string; data: Record<string, unknown> }>;
}

export interface JobOwner {
  id: number;
  username: string;
}

export interface JobSummary {
  prompt_id: string;
  kind: 'txt2img' | 'workflow';
  status: JobStatus;
  owner: JobOwner;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  /** The builder's parameters for txt2img jobs. */
  params: Record<string, unknown> | null;
  images: ComfyImageRef[];
  error: JobError | null;
  queue_position?: number;
  progress?: JobProgress;
  /** The ComfyUI server it was posted to; null while waiting (or for jobs from before the pool). */
  backend: JobBackendRef | null;
  /** While `waiting`: 1-based place among the owner's waiting jobs; else null. */
  waiting_position: number | null;
  /** GPU time from ComfyUI's execution_start to its end; null until it ends (or when unknown). */
  gpu_seconds: number | null;
  /** The job this one re-runs (POST /api/comfy/jobs/:id/retry, or an automatic retry of a lost job). */
  retry_of: string | null;
}

/** A backend as job views name it. */
export interface JobBackendRef {
  id: number;
  name: string;
}

export interface JobListResponse {
  items: JobSummary[];
  next_cursor: string | null;
}

/**
 * One node class as ComfyUI's GET /object_info describes it. Only `input` is always there (classes
 * without it are dropped when the answer is read); everything else is as the server sent it.
 */
export interface NodeClassInfo {
  input: {
    required?: Record<string, unknown>;
    optional?: Record<string, unknown>;
    hidden?: Record<string, unknown>;
  };
  input_order?: Record<string, string[]>;
  /** Output socket types; a combo output is the list of its values instead of a name. */
  output?: unknown[];
  output_is_list?: boolean[];
  output_name?: string[];
  name?: string;
  display_name?: string;
  description?: string;
  python_module?: string;
  category?: string;
  output_node?: boolean;
  output_tooltips?: string[];
  [key: string]: unknown;
}

/**
 * The whole GET /object_info body: node class name → definition. The one type for it, shared by the
 * ComfyUI client, the workflow package, the API and the web app.
 */
export type ObjectInfo = Record<string, NodeClassInfo>;

export interface ComfyObjectInfoResponse {
  object_info: ObjectInfo;
  /** True when ComfyUI is unreachable and this is the last copy we had. */
  stale: boolean;
  fetched_at: string;
}

/**
 * A sampler preview: not its bytes but where to fetch them, GET /api/comfy/jobs/:promptId/preview?seq=…
 * (the owner, curators and admins; immutable per seq; 404 once the job ended and a short grace passed).
 */
export interface ComfyPreviewEvent {
  prompt_id: string;
  format: 'jpeg' | 'png';
  mime: string;
  /** Increasing; names these bytes for good, so the URL is cached as immutable. */
  seq: number;
  /** Path under the API's origin, e.g. `/api/comfy/jobs/<id>/preview?seq=<seq>`. */
  url: string;
}

/**
 * Server-Sent Events of GET /api/comfy/stream/:promptId. Every event has an `id` (per job, increasing); a
 * reconnect with `Last-Event-ID` gets only what it missed, a new subscriber first gets a `status` snapshot
 * (and, for a finished job, its terminal events). Terminal order: `images` | `error`, then `status`, then
 * `done`, after which the server ends the stream. Comment lines (`: ping`) are heartbeats. Previews come
 * at most 5 a second per job (the ones in between are dropped) and are not replayed on resume.
 * Warning codes: `comfy.socket_down` (following the job by polling), `comfy.disabled`.
 */
export interface ComfyStreamEventMap {
  status: ComfyStatusResponse;
  progress: { prompt_id: string } & JobProgress;
  preview: ComfyPreviewEvent;
  warning: { prompt_id: string; code: string; message: string };
  error: { prompt_id: string } & JobError;
  images: { prompt_id: string; images: ComfyImageRef[] };
  done: { prompt_id: string; status: JobStatus };
}
export type ComfyStreamEventName = keyof ComfyStreamEventMap;
export const comfyStreamEventNames: readonly ComfyStreamEventName[] = [
  'status',
  'progress',
  'preview',
  'warning',
  'error',
  'images',
  'done',
];
export type ComfyStreamEvent = {
  [K in ComfyStreamEventName]: { event: K; id: string; data: ComfyStreamEventMap[K] };
}[ComfyStreamEventName];
