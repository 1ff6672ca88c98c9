import { csvLine } from '../common/csv.js';
import type { UsageDetail } from './usage.repository.js';

const header = ['day', 'user_id', 'username', 'role', 'backend_id', 'backend', 'jobs', 'gpu_seconds'];

/**
 * The usage of a range as CSV: one line per day, user, role and backend, in day order. Usernames and
 * backend names are typed by people, so cells a spreadsheet would run as formulas are quoted (csvCell).
 */
export function usageCsv(rows: readonly UsageDetail[], backendName: (id: number) => string): string {
  let out = csvLine(header);
  for (const row of rows) {
    out += csvLine([
      row.day,
      row.userId,
      row.username,
      row.role,
      row.backendId,
      backendName(row.backendId),
      row.jobs,
      roundSeconds(row.gpuSeconds),
    ]);
  }
  return out;
}

/** Milliseconds are ComfyUI's resolution: more digits would be float noise from the sums. */
export function roundSeconds(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
