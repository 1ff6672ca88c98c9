import type { ManagedComfyResponse } from '@atelier/contract';
import { http } from './http';

/** Managed mode (admins only): the ComfyUI process Atelier runs itself. */
export const managedComfyApi = {
  get: () => http.get<ManagedComfyResponse>('/admin/comfy/managed'),
  /** Answers at once (202); the health poll shows it come back. */
  restart: () => http.post<ManagedComfyResponse>('/admin/comfy/managed/restart'),
};
