import type { UsageDay, UsageDayString, UsageGroupBy, UsageResponse, UsageRow } from '@atelier/contract';
import { roundSeconds } from './usage-csv.js';
import type { UsageDetail } from './usage.repository.js';
import { daysFrom } from './utc-day.js';

interface Labels {
  user(id: number, username: string | null): string;
  backend(id: number): string;
}

/** Folds stored rows into the report: per group a total and a per-day series (the chart's bars). */
export function usageReport(
  from: UsageDayString,
  to: UsageDayString,
  groupBy: UsageGroupBy,
  details: readonly UsageDetail[],
  labels: Labels,
): UsageResponse {
  const groups = new Map<string, { label: string; days: Map<string, UsageDay> }>();
  const totals = new Map<string, UsageDay>();
  for (const detail of details) {
    const [key, label] = groupOf(groupBy, detail, labels);
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { label, days: new Map() }));
    addTo(group.days, detail);
    addTo(totals, detail);
  }
  const rows: UsageRow[] = [...groups].map(([key, group]) => {
    const days = series(group.days);
    return { key, label: group.label, ...sum(days), days };
  });
  rows.sort((a, b) => b.gpu_seconds - a.gpu_seconds || a.key.localeCompare(b.key));
  const totalDays = series(totals);
  return {
    from,
    to,
    group_by: groupBy,
    days: daysFrom(from, to),
    rows,
    totals: { ...sum(totalDays), days: totalDays },
  };
}

/** Days ascending, seconds rounded to ComfyUI's millisecond resolution. */
export function series(days: ReadonlyMap<string, UsageDay>): UsageDay[] {
  return [...days.values()]
    .sort((a, b) => a.day.localeCompare(b.day))
    .map((day) => ({ ...day, gpu_seconds: roundSeconds(day.gpu_seconds) }));
}

export function addTo(days: Map<string, UsageDay>, detail: Pick<UsageDetail, 'day' | 'jobs' | 'gpuSeconds'>) {
  const day = days.get(detail.day) ?? { day: detail.day, jobs: 0, gpu_seconds: 0 };
  day.jobs += detail.jobs;
  day.gpu_seconds += detail.gpuSeconds;
  days.set(detail.day, day);
}

function sum(days: readonly UsageDay[]): { jobs: number; gpu_seconds: number } {
  let jobs = 0;
  let seconds = 0;
  for (const day of days) {
    jobs += day.jobs;
    seconds += day.gpu_seconds;
  }
  return { jobs, gpu_seconds: roundSeconds(seconds) };
}

function groupOf(groupBy: UsageGroupBy, detail: UsageDetail, labels: Labels): [string, string] {
  switch (groupBy) {
    case 'user':
      return [String(detail.userId), labels.user(detail.userId, detail.username)];
    case 'backend':
      return [String(detail.backendId), labels.backend(detail.backendId)];
    case 'day':
      return [detail.day, detail.day];
  }
}
