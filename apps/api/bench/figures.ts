/**
 * What a bench group reports: figures, each beside its target and the baseline measured in the same
 * run. `pnpm bench [group…] [--json FILE]` runs the groups, prints their tables and a summary of these,
 * and writes them as JSON when asked.
 */

export type TargetOp = '<' | '<=' | '>=' | '>';

export interface Figure {
  /** The group that measured it (`view`, `sse`, `requests`). */
  group: string;
  /** What was measured, e.g. `auth/me CPU per request`. */
  name: string;
  unit: string;
  value: number;
  /** The target this figure is judged against; absent for figures printed for context. */
  target?: { op: TargetOp; value: number };
  /** What the same run measured to compare with (e.g. the bare pipe, `/api/health`). */
  baseline?: { name: string; value: number };
  /** Extra numbers worth keeping in the JSON (ranges, sample counts). */
  details?: Record<string, number | string>;
}

export interface BenchGroup {
  name: string;
  /** One line for `pnpm bench --help`. */
  summary: string;
  /** Sets up what it needs, prints its own tables, tears down, and returns its figures. */
  run(): Promise<Figure[]>;
}

/** Whether a judged figure meets its target (true for figures without one). */
export function meets(figure: Figure): boolean {
  const { target, value } = figure;
  if (!target) return true;
  if (!Number.isFinite(value)) return false;
  switch (target.op) {
    case '<':
      return value < target.value;
    case '<=':
      return value <= target.value;
    case '>=':
      return value >= target.value;
    case '>':
      return value > target.value;
  }
}
