import type { MyUsageResponse, UsageQuery, UsageResponse } from '@atelier/contract';
import { appConfig } from '../config';
import { http } from './http';

function usageQuery(q: UsageQuery): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(q)) if (value) search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** GPU accounting: the admins' report and everyone's own usage. */
export const usageApi = {
  report: (q: UsageQuery = {}) => http.get<UsageResponse>(`/admin/usage${usageQuery(q)}`),
  mine: () => http.get<MyUsageResponse>('/me/usage'),
  /** A link the browser downloads itself (the session cookie goes along). */
  csvUrl: (q: UsageQuery = {}) => `${appConfig.apiBaseUrl}/admin/usage${usageQuery({ ...q, format: 'csv' })}`,
};
