import type { UsageResponse, UsageRow } from '@atelier/contract';
import { describe, expect, it } from 'vitest';
import { niceCeiling, usageChart } from './usage-chart';

const row = (key: string, days: Record<string, number>): UsageRow => {
  const list = Object.entries(days).map(([day, gpu_seconds]) => ({ day, jobs: 1, gpu_seconds }));
  return {
    key,
    label: `user ${key}`,
    jobs: list.length,
    gpu_seconds: list.reduce((sum, d) => sum + d.gpu_seconds, 0),
    days: list,
  };
};

const report = (rows: UsageRow[], days = ['2026-12-01', '2026-12-02', '2026-12-03']): UsageResponse => ({
  from: days[0]!,
  to: days.at(-1)!,
  group_by: 'user',
  days,
  rows,
  totals: { jobs: 0, gpu_seconds: 0, days: [] },
});

describe('usage chart', () => {
  it('rounds the scale up to 1, 2 or 5 × 10ⁿ', () => {
    expect(niceCeiling(0)).toBe(1);
    expect(niceCeiling(7)).toBe(10);
    expect(niceCeiling(130)).toBe(200);
    expect(niceCeiling(400)).toBe(500);
    expect(niceCeiling(1000)).toBe(1000);
  });

  it('stacks each user on each day, every day of the range present, empty ones as empty bars', () => {
    const chart = usageChart(
      report([row('1', { '2026-12-01': 60, '2026-12-03': 100 }), row('2', { '2026-12-01': 40 })]),
    );
    expect(chart.max).toBe(100);
    expect(chart.bars.map((b) => [b.day, b.total])).toEqual([
      ['2026-12-01', 100],
      ['2026-12-02', 0],
      ['2026-12-03', 100],
    ]);
    const [first] = chart.bars;
    expect(first?.segments).toEqual([
      { key: '1', label: 'user 1', seconds: 60, color: 0, from: 0, height: 0.6 },
      { key: '2', label: 'user 2', seconds: 40, color: 1, from: 0.6, height: 0.4 },
    ]);
    expect(chart.bars[1]?.segments).toEqual([]);
    expect(chart.ticks).toEqual([0, 25, 50, 75, 100]);
  });

  it('folds the users past the palette into "Others" with their summed time', () => {
    const rows = ['a', 'b', 'c', 'd'].map((key, i) => row(key, { '2026-12-01': 40 - i * 10 }));
    const chart = usageChart(report(rows, ['2026-12-01']), 3);
    expect(chart.series.map((s) => [s.label, s.seconds, s.color])).toEqual([
      ['user a', 40, 0],
      ['user b', 30, 1],
      ['Others (2)', 30, 2],
    ]);
    expect(chart.bars[0]?.segments.map((s) => s.seconds)).toEqual([40, 30, 30]);
  });
});
