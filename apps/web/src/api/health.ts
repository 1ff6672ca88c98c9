import type { HealthResponse } from '@atelier/contract';
import { http } from './http';

export const healthApi = {
  get: () => http.get<HealthResponse>('/health', { retryOnUnauthorized: false }),
};
