import type {
  JobListResponse,
  JobPatchResponse,
  QueuePatch,
  QueuePositionTarget,
  QueueRetryResponse,
  QueueStateResponse,
} from '@atelier/contract';
import { http } from './http';

const id = (promptId: string) => encodeURIComponent(promptId);

/** Atelier's own job queue: my waiting jobs, their order, pause/resume and retry. */
export const queueApi = {
  state: () => http.get<QueueStateResponse>('/comfy/queue'),
  /** `all`: every user's queue (admins). */
  pause: (all = false) => http.post<QueueStateResponse>(`/comfy/queue/pause${all ? '?all=1' : ''}`),
  resume: (all = false) => http.post<QueueStateResponse>(`/comfy/queue/resume${all ? '?all=1' : ''}`),
  patch: (body: QueuePatch) => http.patch<QueueStateResponse>('/comfy/queue', body),
  /** My waiting jobs, first to run first (one page of up to 100). */
  waiting: () => http.get<JobListResponse>('/comfy/jobs?status=waiting&mine=1&limit=100'),
  move: (promptId: string, position: QueuePositionTarget) =>
    http.patch<JobPatchResponse>(`/comfy/jobs/${id(promptId)}`, { position }),
  retry: (promptId: string) => http.post<QueueRetryResponse>(`/comfy/jobs/${id(promptId)}/retry`),
};
