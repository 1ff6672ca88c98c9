import type { AuditAction, AuditPage } from '@atelier/contract';
import { http } from './http';

export const auditApi = {
  list: (cursor: string | null, limit: number, action: AuditAction | null) => {
    const search = new URLSearchParams({ limit: String(limit) });
    if (cursor) search.set('cursor', cursor);
    if (action) search.set('action', action);
    return http.get<AuditPage>(`/admin/audit?${search.toString()}`);
  },
};
