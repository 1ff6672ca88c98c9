import type { PublicShare, ShareCreate, ShareCreated, ShareList } from '@atelier/contract';
import { http } from './http';

// The public page is seen signed out: a 401 there means "password", never "refresh the session".
const asVisitor = { retryOnUnauthorized: false, notifyUnauthenticated: false } as const;

export const sharesApi = {
  create: (body: ShareCreate) => http.post<ShareCreated>('/shares', body),
  list: (all = false) => http.get<ShareList>(all ? '/shares?all=1' : '/shares'),
  revoke: (id: number) => http.delete<void>(`/shares/${id}`),
  open: (token: string) => http.get<PublicShare>(`/public/shares/${encodeURIComponent(token)}`, asVisitor),
  unlock: (token: string, password: string) =>
    http.post<void>(`/public/shares/${encodeURIComponent(token)}/unlock`, { password }, asVisitor),
};
