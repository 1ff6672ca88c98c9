import {
  maxSweepAxes,
  maxSweepJobs,
  terminalJobStatuses,
  type SweepAxis,
  type SweepCell,
  type SweepParam,
  type SweepResponse,
} from '@atelier/contract';

/** One axis as the sweep form edits it: values as typed. */
export interface SweepAxisDraft {
  param: SweepParam;
  /** Numbers or names separated by commas (seeds also `from-to`); prompt replacements separated by `|`. */
  values: string;
  /** lora_weight: the LoRA. */
  lora: string;
  /** prompt: the text each value replaces. */
  search: string;
}

export const sweepParamLabels: Record<SweepParam, string> = {
  seed: 'Seed',
  cfg: 'CFG',
  steps: 'Steps',
  sampler: 'Sampler',
  scheduler: 'Scheduler',
  checkpoint: 'Checkpoint',
  lora_weight: 'LoRA weight',
  prompt: 'Prompt replace',
};

export const sweepParamHints: Record<SweepParam, string> = {
  seed: 'e.g. 1, 2, 3 or 100-107',
  cfg: 'e.g. 4, 6.5, 9',
  steps: 'e.g. 10, 20, 30',
  sampler: 'names, comma-separated',
  scheduler: 'names, comma-separated',
  checkpoint: 'file names, comma-separated',
  lora_weight: 'e.g. 0, 0.5, 1',
  prompt: 'replacements, separated by |',
};

export function emptyAxis(param: SweepParam = 'cfg'): SweepAxisDraft {
  return { param, values: '', lora: '', search: '' };
}

export type ParsedAxis = { axis: SweepAxis; count: number } | { error: string };

const numberParams: readonly SweepParam[] = ['cfg', 'steps', 'lora_weight'];
const integerParams: readonly SweepParam[] = ['seed', 'steps'];

/** An axis as the API takes it, or why not (checked again, with bounds, by the server). */
export function parseAxis(draft: SweepAxisDraft): ParsedAxis {
  const text = draft.values.trim();
  if (!text) return { error: 'Enter at least one value.' };
  if (draft.param === 'seed') {
    const range = /^(\d{1,16})\s*(?:-|\.\.)\s*(\d{1,16})$/.exec(text);
    if (range) {
      const from = Number(range[1]);
      const to = Number(range[2]);
      if (to < from) return { error: 'A seed range goes up: from-to.' };
      return { axis: { param: 'seed', from, count: to - from + 1 }, count: to - from + 1 };
    }
  }
  if (draft.param === 'prompt') {
    if (!draft.search) return { error: 'Enter the text to replace.' };
    const values = text.split('|').map((value) => value.trim());
    if (new Set(values).size !== values.length) return { error: 'A value is listed twice.' };
    return { axis: { param: 'prompt', search: draft.search, values }, count: values.length };
  }
  const parts = text
    .split(/[,\s]+/)
    .map((part) => part.trim())
    .filter(Boolean);
  if (new Set(parts).size !== parts.length) return { error: 'A value is listed twice.' };
  if (numberParams.includes(draft.param) || draft.param === 'seed') {
    const values = parts.map(Number);
    const bad = parts.find((part, i) => {
      const value = values[i] ?? Number.NaN;
      return !Number.isFinite(value) || (integerParams.includes(draft.param) && !Number.isInteger(value));
    });
    if (bad !== undefined)
      return {
        error: `“${bad}” is not ${integerParams.includes(draft.param) ? 'a whole number' : 'a number'}.`,
      };
    if (draft.param === 'lora_weight') {
      if (!draft.lora) return { error: 'Choose the LoRA.' };
      return { axis: { param: 'lora_weight', lora: draft.lora, values }, count: values.length };
    }
    const axis: SweepAxis =
      draft.param === 'seed' ? { param: 'seed', values } : { param: draft.param as 'cfg' | 'steps', values };
    return { axis, count: values.length };
  }
  const param = draft.param as 'sampler' | 'scheduler' | 'checkpoint';
  return { axis: { param, values: parts }, count: parts.length };
}

export interface SweepPlanSummary {
  axes: SweepAxis[];
  /** Per draft row: why it cannot be sent. */
  errors: (string | null)[];
  /** The product of the axes' sizes (unknown rows count 1). */
  jobs: number;
  /** E.g. `2 × 3 = 6 jobs`. */
  label: string;
  isTooMany: boolean;
  canSend: boolean;
}

/** What the form shows and sends: the job count, refused above 256 before anything is sent. */
export function summarizeSweep(drafts: readonly SweepAxisDraft[]): SweepPlanSummary {
  const parsed = drafts.slice(0, maxSweepAxes).map(parseAxis);
  const counts = parsed.map((p) => ('count' in p ? p.count : 1));
  const jobs = counts.reduce((a, b) => a * b, 1);
  const isTooMany = jobs > maxSweepJobs;
  const errors = parsed.map((p) => ('error' in p ? p.error : null));
  const axes = parsed.flatMap((p) => ('axis' in p ? [p.axis] : []));
  const label = `${counts.join(' × ')} = ${jobs} job${jobs === 1 ? '' : 's'}`;
  return {
    axes,
    errors,
    jobs,
    label: drafts.length > 1 ? label : `${jobs} job${jobs === 1 ? '' : 's'}`,
    isTooMany,
    canSend: drafts.length > 0 && errors.every((e) => e === null) && !isTooMany,
  };
}

/** One Z page of a sweep as rows of cells (null where no job was queued yet). */
export interface SweepPage {
  z: number;
  columns: string[];
  /** One empty label for a one-axis sweep. */
  rows: string[];
  cells: (SweepCell | null)[][];
}

export function sweepPage(sweep: SweepResponse, z: number): SweepPage {
  const [nx, ny] = sweep.shape;
  const cells: (SweepCell | null)[][] = Array.from({ length: ny }, () =>
    Array<SweepCell | null>(nx).fill(null),
  );
  for (const cell of sweep.cells) {
    if (cell.z !== z) continue;
    const row = cells[cell.y];
    if (row && cell.x < nx) row[cell.x] = cell;
  }
  return {
    z,
    columns: sweep.axes[0]?.labels ?? [],
    rows: sweep.axes[1]?.labels ?? [''],
    cells,
  };
}

export interface SweepProgress {
  done: number;
  failed: number;
  total: number;
  /** Every cell has ended: nothing more to poll for. */
  isSettled: boolean;
}

export function sweepProgress(sweep: SweepResponse): SweepProgress {
  const total = sweep.shape[0] * sweep.shape[1] * sweep.shape[2];
  const ended = sweep.cells.filter((cell) => terminalJobStatuses.includes(cell.status));
  return {
    done: ended.filter((cell) => cell.status === 'succeeded').length,
    failed: ended.filter((cell) => cell.status !== 'succeeded').length,
    total,
    isSettled: sweep.cells.length === total && ended.length === total,
  };
}

export interface GridPosition {
  x: number;
  y: number;
}

/** Arrow keys, Home/End (row) and Ctrl+Home/End (grid) move within the grid; null for other keys. */
export function moveInGrid(
  at: GridPosition,
  key: string,
  size: { columns: number; rows: number },
  withCtrl = false,
): GridPosition | null {
  const clampX = (x: number) => Math.max(0, Math.min(size.columns - 1, x));
  const clampY = (y: number) => Math.max(0, Math.min(size.rows - 1, y));
  switch (key) {
    case 'ArrowLeft':
      return { x: clampX(at.x - 1), y: at.y };
    case 'ArrowRight':
      return { x: clampX(at.x + 1), y: at.y };
    case 'ArrowUp':
      return { x: at.x, y: clampY(at.y - 1) };
    case 'ArrowDown':
      return { x: at.x, y: clampY(at.y + 1) };
    case 'Home':
      return withCtrl ? { x: 0, y: 0 } : { x: 0, y: at.y };
    case 'End':
      return withCtrl ? { x: size.columns - 1, y: size.rows - 1 } : { x: size.columns - 1, y: at.y };
    default:
      return null;
  }
}

/** A cell's provenance as label/value rows: its job's parameters, what its axes set first. */
export function cellProvenance(sweep: SweepResponse, cell: SweepCell): { label: string; value: string }[] {
  const at = [cell.x, cell.y, cell.z];
  const rows = sweep.axes.map((axis, i) => ({ label: axis.title, value: axis.labels[at[i] ?? 0] ?? '' }));
  const p = cell.params ?? {};
  const values =
    typeof p.values === 'object' && p.values !== null ? (p.values as Record<string, unknown>) : p;
  // What an axis set is listed once, first.
  const show = (label: string, value: unknown) => {
    if (rows.some((row) => row.label === label)) return;
    if (typeof value === 'string' ? value.trim() : typeof value === 'number')
      rows.push({ label, value: String(value) });
  };
  show('Workflow', p.template);
  show('Prompt', values.caption ?? values.prompt);
  show('Negative prompt', values.negative);
  show('Seed', values.seed);
  show('Steps', values.steps);
  show('CFG', values.cfg);
  show('Sampler', [values.sampler, values.scheduler].filter((v) => typeof v === 'string').join(' · '));
  show('Checkpoint', values.checkpoint);
  if (Array.isArray(values.loras) && values.loras.length > 0) {
    const weights = Array.isArray(values.lora_weights) ? values.lora_weights : [];
    show('LoRAs', values.loras.map((name, i) => `${String(name)} (${String(weights[i] ?? 1)})`).join(', '));
  }
  show('Status', cell.status);
  if (cell.error) show('Error', cell.error.message);
  show('Prompt ID', cell.prompt_id);
  return rows;
}
