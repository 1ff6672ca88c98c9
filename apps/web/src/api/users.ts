import type {
  CreateUserRequest,
  ResetPasswordRequest,
  UpdateUserRequest,
  UserSummary,
} from '@atelier/contract';
import { http } from './http';

export const usersApi = {
  list: () => http.get<UserSummary[]>('/admin/users'),
  create: (body: CreateUserRequest) => http.post<UserSummary>('/admin/users', body),
  update: (id: number, body: UpdateUserRequest) => http.patch<UserSummary>(`/admin/users/${id}`, body),
  /** A temporary password: the user's sessions end and they must pick their own at next sign-in. */
  resetPassword: (id: number, body: ResetPasswordRequest) =>
    http.post<UserSummary>(`/admin/users/${id}/password`, body),
};
