import type { BackendInput, BackendListResponse, BackendPatch, BackendView } from '@atelier/contract';
import { http } from './http';

/** The pool of ComfyUI servers (admins). */
export const backendsApi = {
  list: () => http.get<BackendListResponse>('/admin/backends'),
  create: (body: BackendInput) => http.post<BackendView>('/admin/backends', body),
  update: (id: number, body: BackendPatch) => http.patch<BackendView>(`/admin/backends/${id}`, body),
  remove: (id: number) => http.delete<unknown>(`/admin/backends/${id}`),
};
