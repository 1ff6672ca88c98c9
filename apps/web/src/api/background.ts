import type { BackgroundOverview } from '@atelier/contract';
import { http } from './http';

/** The background queues (admins): counts, failed jobs, retry. */
export const backgroundApi = {
  overview: () => http.get<BackgroundOverview>('/admin/background'),
  retry: (queue: string, id: string) =>
    http.post<void>(`/admin/background/${encodeURIComponent(queue)}/${encodeURIComponent(id)}/retry`),
};
