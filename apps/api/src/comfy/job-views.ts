import type { OutputImage } from '@atelier/comfy-client';
import {
  comfyImageTypes,
  type ComfyImageRef,
  type ComfyImageType,
  type ComfyStatusResponse,
  type JobSummary,
} from '@atelier/contract';
import type { JobSnapshot } from '../events/app-events.js';
import type { ComfyJobEntity } from './job.entity.js';
import type { JobListItem } from './jobs.repository.js';

export type { JobSnapshot };

export function isComfyImageType(value: string): value is ComfyImageType {
  return (comfyImageTypes as readonly string[]).includes(value);
}

/**
 * ComfyUI's output list as the contract's image refs (node ids dropped, unknown types skipped), stamped with
 * the backend that made them unless it is the default one (`backend` absent = the default).
 */
export function toImageRefs(images: readonly OutputImage[], backend?: number): ComfyImageRef[] {
  const refs: ComfyImageRef[] = [];
  const seen = new Set<string>();
  for (const image of images) {
    if (!isComfyImageType(image.type)) continue;
    const key = `${image.type}\0${image.subfolder}\0${image.filename}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const ref: ComfyImageRef = { filename: image.filename, subfolder: image.subfolder, type: image.type };
    if (backend !== undefined) ref.backend = backend;
    refs.push(ref);
  }
  return refs;
}

export function snapshotFromLedger(job: Pick<ComfyJobEntity, 'status' | 'images' | 'error'>): JobSnapshot {
  return { status: job.status, queuePosition: null, progress: null, images: job.images, error: job.error };
}

export function toStatusResponse(promptId: string, snapshot: JobSnapshot): ComfyStatusResponse {
  const body: ComfyStatusResponse = { prompt_id: promptId, status: snapshot.status };
  if (snapshot.status === 'queued' && snapshot.queuePosition !== null)
    body.queue_position = snapshot.queuePosition;
  if (snapshot.progress) body.progress = snapshot.progress;
  if (snapshot.images.length > 0) body.images = snapshot.images;
  if (snapshot.error) body.error = snapshot.error;
  return body;
}

/** A backend's name by id (the directory's; null when it is gone). */
export type BackendNames = (id: number) => string | null;

export function toJobSummary(
  job: JobListItem,
  live: JobSnapshot | null,
  backendName: BackendNames = () => null,
): JobSummary {
  const snapshot = live ?? snapshotFromLedger(job);
  const summary: JobSummary = {
    prompt_id: job.promptId,
    kind: job.kind,
    status: snapshot.status,
    owner: { id: job.ownerId, username: job.owner?.username ?? '' },
    created_at: job.createdAt.toISOString(),
    started_at: job.startedAt?.toISOString() ?? null,
    finished_at: job.finishedAt?.toISOString() ?? null,
    params: job.params,
    images: snapshot.images,
    error: snapshot.error,
    backend:
      job.backendId === null
        ? null
        : { id: job.backendId, name: backendName(job.backendId) ?? `backend ${job.backendId}` },
    waiting_position: snapshot.status === 'waiting' ? job.waitingPosition : null,
    gpu_seconds: job.gpuSeconds,
    retry_of: job.retryOf,
  };
  if (snapshot.status === 'queued' && snapshot.queuePosition !== null)
    summary.queue_position = snapshot.queuePosition;
  if (snapshot.progress) summary.progress = snapshot.progress;
  return summary;
}
