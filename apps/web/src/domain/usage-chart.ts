import type { UsageResponse } from '@atelier/contract';

/** One coloured part of a day's bar: one user's (or backend's) GPU-seconds that day. */
export interface UsageSegment {
  key: string;
  label: string;
  seconds: number;
  /** Index into the chart's palette; the same for one series on every day. */
  color: number;
  /** Where the segment starts and how tall it is, as fractions of the chart's height (0 = bottom). */
  from: number;
  height: number;
}

export interface UsageBar {
  day: string;
  total: number;
  segments: UsageSegment[];
}

export interface UsageSeries {
  key: string;
  label: string;
  seconds: number;
  color: number;
}

export interface UsageChart {
  bars: UsageBar[];
  /** The legend, most GPU-seconds first; the ones past `maxSeries` share "Others". */
  series: UsageSeries[];
  /** The scale's top (a round number at or above the busiest day). */
  max: number;
  ticks: number[];
}

/** The smallest 1, 2 or 5 × 10ⁿ at or above `value`: a scale that reads well. */
export function niceCeiling(value: number): number {
  if (value <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((s) => s * magnitude >= value) ?? 10;
  return step * magnitude;
}

/**
 * Stacked bars of GPU-seconds per day, one segment per row of the report (users, or backends), the
 * busiest `maxSeries - 1` by name and the rest as "Others" so the colours stay tellable apart.
 */
export function usageChart(report: UsageResponse, maxSeries = 8): UsageChart {
  const shown = report.rows.length > maxSeries ? report.rows.slice(0, maxSeries - 1) : report.rows;
  const rest = report.rows.slice(shown.length);
  const series: UsageSeries[] = shown.map((row, index) => ({
    key: row.key,
    label: row.label,
    seconds: row.gpu_seconds,
    color: index,
  }));
  const perDay = new Map<string, Map<string, number>>();
  const add = (day: string, key: string, seconds: number) => {
    const entry = perDay.get(day) ?? new Map<string, number>();
    entry.set(key, (entry.get(key) ?? 0) + seconds);
    perDay.set(day, entry);
  };
  for (const row of shown) for (const d of row.days) add(d.day, row.key, d.gpu_seconds);
  if (rest.length > 0) {
    series.push({
      key: '*others',
      label: `Others (${rest.length})`,
      seconds: rest.reduce((sum, row) => sum + row.gpu_seconds, 0),
      color: shown.length,
    });
    for (const row of rest) for (const d of row.days) add(d.day, '*others', d.gpu_seconds);
  }
  const totals = report.days.map((day) => [...(perDay.get(day)?.values() ?? [])].reduce((a, b) => a + b, 0));
  const max = niceCeiling(Math.max(0, ...totals));
  const bars = report.days.map((day, index) => {
    let from = 0;
    const segments: UsageSegment[] = [];
    for (const s of series) {
      const seconds = perDay.get(day)?.get(s.key) ?? 0;
      if (seconds <= 0) continue;
      segments.push({ key: s.key, label: s.label, seconds, color: s.color, from, height: seconds / max });
      from += seconds / max;
    }
    return { day, total: totals[index] ?? 0, segments };
  });
  return { bars, series, max, ticks: [0, max / 4, max / 2, (3 * max) / 4, max] };
}
