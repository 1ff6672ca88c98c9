/** GPU accounting: GET /api/admin/usage (admins) and GET /api/me/usage (everyone, their own). */
import type { Role } from './auth.js';
import type { RoleLimits } from './comfy-limits.js';

export const usageGroupings = ['user', 'backend', 'day'] as const;
export type UsageGroupBy = (typeof usageGroupings)[number];

/** A UTC calendar day, `YYYY-MM-DD`. */
export type UsageDayString = string;

/** At most this many days per report (inclusive range). */
export const maxUsageRangeDays = 366;

/** GET /api/admin/usage query. */
export interface UsageQuery {
  /** First day, inclusive; default 29 days before `to`. */
  from?: UsageDayString;
  /** Last day, inclusive; default today (UTC). */
  to?: UsageDayString;
  /** Default `user`. */
  group_by?: UsageGroupBy;
  /** `csv`: a `text/csv` download of the same range (one line per day, user, role and backend). */
  format?: 'json' | 'csv';
}

/** Jobs ended and GPU-seconds spent on one day. */
export interface UsageDay {
  day: UsageDayString;
  jobs: number;
  /** From ComfyUI's execution_start to its execution_success/error: cached nodes cost nothing. */
  gpu_seconds: number;
}

/** One group of a report (a user, a backend or a day) with its per-day series for the chart. */
export interface UsageRow {
  /** The user id, backend id or day, as a string. */
  key: string;
  /** Username, backend name, or the day. */
  label: string;
  jobs: number;
  gpu_seconds: number;
  /** Only the days with usage, ascending. */
  days: UsageDay[];
}

export interface UsageResponse {
  from: UsageDayString;
  to: UsageDayString;
  group_by: UsageGroupBy;
  /** Every day of the range, ascending (the chart's x axis). */
  days: UsageDayString[];
  /** Most GPU-seconds first. */
  rows: UsageRow[];
  totals: { jobs: number; gpu_seconds: number; days: UsageDay[] };
}

/** GET /api/me/usage: the caller's own usage against their role's quota. */
export interface MyUsageResponse {
  role: Role;
  today: UsageDay;
  /** The role's `gpu_seconds_per_day`; null = unlimited. */
  quota_gpu_seconds: number | null;
  /** null = unlimited; never below 0. */
  remaining_gpu_seconds: number | null;
  /** Quota used up: new jobs are refused and waiting ones are held until `resets_at`. */
  held: boolean;
  /** The next UTC midnight (ISO-8601), when today's usage starts again from 0. */
  resets_at: string;
  /** The last 30 days including today, ascending, days without usage included as zeros. */
  last_30_days: UsageDay[];
  limits: RoleLimits;
}
