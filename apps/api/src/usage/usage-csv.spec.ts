import { describe, expect, it } from 'vitest';
import { usageCsv } from './usage-csv.js';
import { usageReport } from './usage-report.js';
import type { UsageDetail } from './usage.repository.js';
import { addDays, daysFrom, isUtcDay, secondsToUtcMidnight } from './utc-day.js';

const row = (over: Partial<UsageDetail>): UsageDetail => ({
  day: '2026-12-01',
  userId: 2,
  username: 'ada',
  role: 'user',
  backendId: 1,
  jobs: 1,
  gpuSeconds: 1.5,
  ...over,
});

describe('usageCsv', () => {
  it('writes one line per stored row, names quoted so a spreadsheet runs no formula', () => {
    const csv = usageCsv(
      [row({}), row({ backendId: 7, userId: 3, username: null, gpuSeconds: 0.1 + 0.2 })],
      (id) => (id === 7 ? '=HYPERLINK("http://evil","x")' : 'default'),
    );
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('day,user_id,username,role,backend_id,backend,jobs,gpu_seconds');
    expect(lines[1]).toBe('2026-12-01,2,ada,user,1,default,1,1.5');
    // A leading quote defuses the formula; the cell is quoted because it holds quotes and a comma.
    expect(lines[2]).toBe(`2026-12-01,3,,user,7,"'=HYPERLINK(""http://evil"",""x"")",1,0.3`);
    expect(lines.at(-1)).toBe('');
  });
});

describe('usageReport', () => {
  const details = [
    row({ day: '2026-12-01', userId: 2, username: 'ada', gpuSeconds: 10, jobs: 2 }),
    row({ day: '2026-12-01', userId: 3, username: 'bob', gpuSeconds: 4, backendId: 2 }),
    row({ day: '2026-12-03', userId: 2, username: 'ada', gpuSeconds: 1, backendId: 2 }),
    row({ day: '2026-12-03', userId: 3, username: 'bob', gpuSeconds: 30, role: 'curator' }),
  ];
  const labels = {
    user: (id: number, name: string | null) => name ?? `user ${id}`,
    backend: (id: number) => `b${id}`,
  };

  it('groups by user with a per-day series each (the chart), heaviest first, and totals per day', () => {
    const report = usageReport('2026-12-01', '2026-12-03', 'user', details, labels);
    expect(report.days).toEqual(['2026-12-01', '2026-12-02', '2026-12-03']);
    expect(report.rows).toEqual([
      {
        key: '3',
        label: 'bob',
        jobs: 2,
        gpu_seconds: 34,
        days: [
          { day: '2026-12-01', jobs: 1, gpu_seconds: 4 },
          { day: '2026-12-03', jobs: 1, gpu_seconds: 30 },
        ],
      },
      {
        key: '2',
        label: 'ada',
        jobs: 3,
        gpu_seconds: 11,
        days: [
          { day: '2026-12-01', jobs: 2, gpu_seconds: 10 },
          { day: '2026-12-03', jobs: 1, gpu_seconds: 1 },
        ],
      },
    ]);
    expect(report.totals).toEqual({
      jobs: 5,
      gpu_seconds: 45,
      days: [
        { day: '2026-12-01', jobs: 3, gpu_seconds: 14 },
        { day: '2026-12-03', jobs: 2, gpu_seconds: 31 },
      ],
    });
  });

  it('groups by backend and by day', () => {
    const byBackend = usageReport('2026-12-01', '2026-12-03', 'backend', details, labels);
    expect(byBackend.rows.map((r) => [r.label, r.gpu_seconds])).toEqual([
      ['b1', 40],
      ['b2', 5],
    ]);
    const byDay = usageReport('2026-12-01', '2026-12-03', 'day', details, labels);
    expect(byDay.rows.map((r) => [r.key, r.jobs, r.gpu_seconds])).toEqual([
      ['2026-12-03', 2, 31],
      ['2026-12-01', 3, 14],
    ]);
  });
});

describe('UTC days', () => {
  it('knows real days, ranges and the seconds to midnight', () => {
    expect(isUtcDay('2026-02-28')).toBe(true);
    expect(isUtcDay('2026-02-30')).toBe(false);
    expect(isUtcDay('2026-2-3')).toBe(false);
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(daysFrom('2026-02-27', '2026-03-01')).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
    expect(secondsToUtcMidnight(new Date('2026-12-05T23:59:59.500Z'))).toBe(1);
    expect(secondsToUtcMidnight(new Date('2026-12-05T00:00:00.000Z'))).toBe(86_400);
  });
});
