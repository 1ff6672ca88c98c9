import type { Role, RoleLimitsListResponse, RoleLimitsResponse, RoleLimitsUpdate } from '@atelier/contract';
import { http } from './http';

/** Caps per role (admins). */
export const limitsApi = {
  list: () => http.get<RoleLimitsListResponse>('/admin/limits'),
  get: (role: Role) => http.get<RoleLimitsResponse>(`/admin/limits/${role}`),
  put: (role: Role, body: RoleLimitsUpdate) =>
    http.request<RoleLimitsResponse>('PUT', `/admin/limits/${role}`, { body }),
};
