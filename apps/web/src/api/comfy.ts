import type {
  ComfyCancelResponse,
  ComfyHealthResponse,
  ComfyHistoryResponse,
  ComfyImageRef,
  ComfyObjectInfoResponse,
  ComfyPresetListResponse,
  ComfyQueueResponse,
  ComfyStatusResponse,
  IngestFromJobRequest,
  IngestFromJobResponse,
  IngestResponse,
  JobListResponse,
  JobStatus,
  Txt2ImgParams,
  Txt2ImgResponse,
} from '@atelier/contract';
import { appConfig } from '../config';
import { http } from './http';

/** A multipart POST /api/comfy/ingest: the bytes and where they came from. */
export interface IngestUpload {
  prompt_id: string;
  file: Blob;
  filename: string;
  workflow?: Record<string, unknown> | null;
  metadata?: Record<string, unknown>;
}

function ingestForm(upload: IngestUpload): FormData {
  const { file, filename } = upload;
  const form = new FormData();
  form.append(
    'file',
    file instanceof File ? file : new File([file], filename, { type: file.type }),
    filename,
  );
  form.append('prompt_id', upload.prompt_id);
  form.append('workflow', JSON.stringify(upload.workflow ?? {}));
  form.append('metadata', JSON.stringify(upload.metadata ?? {}));
  return form;
}

export interface JobListQuery {
  status?: JobStatus;
  mine?: boolean;
  cursor?: string | null;
}

function query(params: Record<string, string | number | boolean | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null || value === false) continue;
    search.set(key, value === true ? '1' : String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

const id = (promptId: string) => encodeURIComponent(promptId);

/** A random key for Idempotency-Key (randomUUID is missing outside secure contexts, e.g. plain-http LAN). */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(
    '',
  );
}

/** Path (under the API base) of an image ComfyUI produced, for fetch or `<img src>`. */
export function comfyViewPath(image: ComfyImageRef): string {
  const { filename, subfolder, type, backend } = image;
  // Output names repeat across the pool's servers: the backend says whose file it is.
  return `/comfy/view${query({ filename, subfolder, type, backend })}`;
}

/**
 * URL of one sampler preview a stream announced (`preview` event's seq), for `<img src>`: under the app's API
 * base, which may differ from the origin the server's own `url` assumes.
 */
export function comfyPreviewUrl(promptId: string, seq: number): string {
  return `${appConfig.apiBaseUrl}/comfy/jobs/${id(promptId)}/preview?seq=${seq}`;
}

/** Absolute-path URL of the live event stream of one prompt (EventSource sends the cookies). */
export function comfyStreamUrl(promptId: string): string {
  return `${appConfig.apiBaseUrl}/comfy/stream/${id(promptId)}`;
}

export const comfyApi = {
  health: () => http.get<ComfyHealthResponse>('/comfy/health'),
  /** The same idempotency key on every retry of one call: the server queues it once. */
  queue: (workflow: Record<string, unknown>, clientId: string | undefined, idempotencyKey: string) =>
    http.post<ComfyQueueResponse>(
      '/comfy/queue',
      { workflow, client_id: clientId },
      { headers: { 'idempotency-key': idempotencyKey } },
    ),
  txt2img: (params: Txt2ImgParams, idempotencyKey: string) =>
    http.post<Txt2ImgResponse>('/comfy/txt2img', params, { headers: { 'idempotency-key': idempotencyKey } }),
  status: (promptId: string) => http.get<ComfyStatusResponse>(`/comfy/status/${id(promptId)}`),
  cancel: (promptId: string) => http.post<ComfyCancelResponse>(`/comfy/cancel/${id(promptId)}`),
  history: (promptId: string) => http.get<ComfyHistoryResponse>(`/comfy/history/${id(promptId)}`),
  jobs: (q: JobListQuery = {}) =>
    http.get<JobListResponse>(`/comfy/jobs${query({ status: q.status, mine: q.mine, cursor: q.cursor })}`),
  objectInfo: (refresh = false) =>
    http.get<ComfyObjectInfoResponse>(`/comfy/object-info${query({ refresh })}`),
  presets: () => http.get<ComfyPresetListResponse>('/comfy/presets'),
  view: (image: ComfyImageRef, signal?: AbortSignal) => http.blob(comfyViewPath(image), { signal }),
  ingest: (upload: IngestUpload) => http.post<IngestResponse>('/comfy/ingest', ingestForm(upload)),
  ingestFromJob: (body: IngestFromJobRequest) =>
    http.post<IngestFromJobResponse>('/comfy/ingest/from-job', body),
};
