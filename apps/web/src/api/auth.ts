import type {
  ChangePasswordRequest,
  LoginRequest,
  LoginResponse,
  MeResponse,
  SessionListResponse,
} from '@atelier/contract';
import { http } from './http';

// A 401 here means bad credentials or no session, never "refresh and retry".
const noRefresh = { retryOnUnauthorized: false, notifyUnauthenticated: false } as const;

export const authApi = {
  login: (body: LoginRequest) => http.post<LoginResponse>('/auth/login', body, noRefresh),
  logout: () => http.post<void>('/auth/logout', undefined, noRefresh),
  /** The signed-in user; refreshes an expired access token once, but never redirects. */
  me: () => http.get<MeResponse>('/auth/me', { notifyUnauthenticated: false }),
  /** Ends every session of ours and answers a new one (its cookies replace ours). */
  changePassword: (body: ChangePasswordRequest) => http.post<LoginResponse>('/auth/password', body),
  sessions: () => http.get<SessionListResponse>('/auth/sessions'),
  endSession: (id: string) => http.delete<void>(`/auth/sessions/${encodeURIComponent(id)}`),
  endOtherSessions: () => http.delete<void>('/auth/sessions?others=1'),
};
