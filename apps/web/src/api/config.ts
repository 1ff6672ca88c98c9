import type { AdminConfigPatch, AdminConfigResponse } from '@atelier/contract';
import { http } from './http';

export const configApi = {
  get: () => http.get<AdminConfigResponse>('/admin/config'),
  /** `null` for a key resets it to its env/default value. */
  patch: (body: AdminConfigPatch) => http.patch<AdminConfigResponse>('/admin/config', body),
};
