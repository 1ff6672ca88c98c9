import type { AuthUser, LoginRequest, LoginResponse } from '@atelier/contract';
import { http } from './http';

// A 401 here means bad credentials or no session, never "refresh and retry".
const noRefresh = { retryOnUnauthorized: false, notifyUnauthenticated: false } as const;

export const authApi = {
  login: (body: LoginRequest) => http.post<LoginResponse>('/auth/login', body, noRefresh),
  logout: () => http.post<void>('/auth/logout', undefined, noRefresh),
  /** The signed-in user; refreshes an expired access token once, but never redirects. */
  me: () => http.get<AuthUser>('/auth/me', { notifyUnauthenticated: false }),
};
