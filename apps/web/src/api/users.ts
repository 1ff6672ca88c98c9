import type { CreateUserRequest, UpdateUserRequest, UserSummary } from '@atelier/contract';
import { http } from './http';

export const usersApi = {
  list: () => http.get<UserSummary[]>('/admin/users'),
  create: (body: CreateUserRequest) => http.post<UserSummary>('/admin/users', body),
  update: (id: number, body: UpdateUserRequest) => http.patch<UserSummary>(`/admin/users/${id}`, body),
};
