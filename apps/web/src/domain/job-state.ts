import {
  terminalJobStatuses,
  type ComfyImageRef,
  type ComfyStatusResponse,
  type ComfyStreamEvent,
  type JobStatus,
  type JobSummary,
} from '@atelier/contract';

/** What the live stream tells about a job, on top of (or instead of) the server's summary. */
export type LiveJob = Pick<
  JobSummary,
  'prompt_id' | 'status' | 'queue_position' | 'progress' | 'images' | 'error' | 'started_at' | 'finished_at'
> & {
  /** URL of the latest sampler preview, while running (each preview has its own, fetched once). */
  preview: string | null;
  warning: string | null;
};

export const isTerminal = (status: JobStatus): boolean => terminalJobStatuses.includes(status);

/** One image's identity: two backends of the pool may each have a `ComfyUI_00001_.png`. */
export const imageKey = (image: ComfyImageRef): string =>
  `${image.backend ? `${image.backend}:` : ''}${image.type}/${image.subfolder}/${image.filename}`;

/** Appends images not already listed (each output node reports its own; a resumed stream may repeat). */
export function mergeImages(
  known: readonly ComfyImageRef[],
  added: readonly ComfyImageRef[],
): ComfyImageRef[] {
  const keys = new Set(known.map(imageKey));
  return [...known, ...added.filter((image) => !keys.has(imageKey(image)))];
}

export function newLiveJob(promptId: string): LiveJob {
  return {
    prompt_id: promptId,
    status: 'queued',
    queue_position: undefined,
    progress: undefined,
    images: [],
    error: null,
    started_at: null,
    finished_at: null,
    preview: null,
    warning: null,
  };
}

const now = () => new Date().toISOString();

/** A status snapshot: a `status` event, or GET /status read when the stream was refused. */
export function applyJobStatus(job: LiveJob, status: ComfyStatusResponse): void {
  job.status = status.status;
  job.queue_position = status.queue_position;
  if (status.progress) job.progress = status.progress;
  if (status.images) job.images = mergeImages(job.images, status.images);
  if (status.error) job.error = status.error;
  if (job.status === 'running') job.started_at ??= now();
}

/** The job is over: no queue place, no preview once there are results. */
export function settleJob(job: LiveJob, status: JobStatus): void {
  job.status = status;
  job.finished_at ??= now();
  job.queue_position = undefined;
  if (job.images.length > 0) job.preview = null;
}

/** The one reducer of GET /api/comfy/stream/:id events. */
export function applyJobEvent(job: LiveJob, event: ComfyStreamEvent): void {
  switch (event.event) {
    case 'status':
      applyJobStatus(job, event.data);
      break;
    case 'progress':
      if (job.status === 'queued') job.status = 'running';
      job.started_at ??= now();
      job.queue_position = undefined;
      job.progress = { value: event.data.value, max: event.data.max, node: event.data.node };
      break;
    case 'preview':
      job.preview = event.data.url;
      break;
    case 'images':
      job.images = mergeImages(job.images, event.data.images);
      break;
    case 'warning':
      job.warning = event.data.message;
      break;
    case 'error':
      job.error = { ...event.data };
      break;
    case 'done':
      settleJob(job, event.data.status);
      break;
  }
}
