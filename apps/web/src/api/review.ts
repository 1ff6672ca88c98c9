import type { ReviewPage } from '@atelier/contract';
import { http } from './http';

export const reviewApi = {
  /** The pending queue, oldest submission first (curators). */
  page: (cursor: string | null, limit: number) => {
    const params = new URLSearchParams({ limit: String(limit) });
    if (cursor) params.set('cursor', cursor);
    return http.get<ReviewPage>(`/review?${params.toString()}`);
  },
};
