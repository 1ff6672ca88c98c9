import type { ApiKeyListResponse, CreateApiKeyRequest, CreatedApiKey } from '@atelier/contract';
import { http } from './http';

/** Your API keys (session only: the API refuses these routes to keys themselves). */
export const apiKeysApi = {
  list: () => http.get<ApiKeyListResponse>('/me/api-keys'),
  create: (body: CreateApiKeyRequest) => http.post<CreatedApiKey>('/me/api-keys', body),
  revoke: (id: number) => http.delete<void>(`/me/api-keys/${id}`),
};
