import type {
  ComfyWorkflowDetail,
  ComfyWorkflowListResponse,
  ComfyWorkflowRunRequest,
  ComfyWorkflowRunResponse,
  ComfyWorkflowSaveRequest,
  ComfyWorkflowVersionRequest,
} from '@atelier/contract';
import { http } from './http';

const name = (template: string) => encodeURIComponent(template);

/** The workflow template library under /api/comfy/workflows (run, list, detail; save and versions for curators). */
export const workflowsApi = {
  list: () => http.get<ComfyWorkflowListResponse>('/comfy/workflows'),
  /** `version`: an older one, as it was (one of the detail's `versions`). */
  get: (template: string, version?: string) =>
    http.get<ComfyWorkflowDetail>(
      `/comfy/workflows/${name(template)}${version ? `?version=${encodeURIComponent(version)}` : ''}`,
    ),
  /** The same idempotency key on every retry of one call: the server queues it once. */
  run: (template: string, body: ComfyWorkflowRunRequest, idempotencyKey: string) =>
    http.post<ComfyWorkflowRunResponse>(`/comfy/workflows/${name(template)}/run`, body, {
      headers: { 'idempotency-key': idempotencyKey },
    }),
  save: (body: ComfyWorkflowSaveRequest) => http.post<ComfyWorkflowDetail>('/comfy/workflows', body),
  saveVersion: (template: string, body: ComfyWorkflowVersionRequest) =>
    http.post<ComfyWorkflowDetail>(`/comfy/workflows/${name(template)}/versions`, body),
};
