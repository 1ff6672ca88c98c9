import {
  maxSweepAxes,
  maxSweepJobs,
  maxSweepTextLength,
  sweepParams,
  txt2imgBounds,
  type FieldErrors,
  type SweepAxis,
  type SweepAxisView,
  type SweepBase,
  type SweepParam,
} from '@atelier/contract';
import { AppError } from '../common/app-error.js';

/** An axis as the body carries it (its shape checked by the DTO; its values here). */
export interface SweepAxisInput {
  param: string;
  values?: unknown[];
  from?: number;
  count?: number;
  lora?: string;
  search?: string;
}

/** One cell: where it sits and the base request with its axes' values applied. */
export interface SweepCellPlan {
  x: number;
  y: number;
  z: number;
  base: SweepBase;
}

export interface SweepPlan {
  axes: SweepAxisView[];
  shape: [number, number, number];
  /** X fastest, then Y, then Z. */
  cells: SweepCellPlan[];
}

const maxNameLength = 512;

/**
 * Checks every axis's values (types, bounds, duplicates) and the job count, before anything is planned:
 * 400 `validation_failed` naming `axes.<i>.…`, or 400 `comfy.limit_exceeded` (cap `sweep_jobs`) beyond 256 jobs.
 */
export function checkSweepAxes(inputs: readonly SweepAxisInput[]): SweepAxis[] {
  const errors: FieldErrors = {};
  const axes: SweepAxis[] = [];
  const seen = new Map<string, number>();
  if (inputs.length < 1 || inputs.length > maxSweepAxes) {
    errors.axes = [`must have 1 to ${maxSweepAxes} axes`];
  }
  inputs.forEach((input, index) => {
    const field = `axes.${index}`;
    const axis = checkAxis(input, field, errors);
    if (!axis) return;
    const key = axisKey(axis);
    const first = seen.get(key);
    if (first !== undefined) {
      add(errors, `${field}.param`, `sweeps the same thing as axes.${first}`);
      return;
    }
    seen.set(key, index);
    axes.push(axis);
  });
  if (Object.keys(errors).length > 0) throw refused(errors);
  const jobs = axes.reduce((product, axis) => product * axisLength(axis), 1);
  if (jobs > maxSweepJobs) {
    throw new AppError(
      'comfy.limit_exceeded',
      `This sweep makes ${axes.map(axisLength).join(' × ')} = ${jobs} jobs; at most ${maxSweepJobs} are allowed`,
      { cap: 'sweep_jobs', limit: maxSweepJobs, value: jobs },
    );
  }
  return axes;
}

/** How many values an axis has. */
export function axisLength(axis: SweepAxis): number {
  return 'from' in axis ? axis.count : axis.values.length;
}

/** The axis's values, a seed range expanded. */
export function axisValues(axis: SweepAxis): (number | string)[] {
  if ('from' in axis) return Array.from({ length: axis.count }, (_, i) => axis.from + i);
  return [...axis.values];
}

/**
 * The request fields an axis writes (`caption` for a txt2img prompt axis), to name the axis when a cell's
 * request is refused for one of them.
 */
export function axisFields(kind: SweepBase['kind'], axis: SweepAxis): string[] {
  if (axis.param === 'lora_weight') return ['loras', 'lora_weights'];
  if (axis.param === 'prompt') return [kind === 'txt2img' ? 'caption' : 'prompt'];
  return [axis.param];
}

/**
 * Every cell of the grid, each with its own copy of the base request. A txt2img prompt axis replaces in
 * `caption`, a template's in its `prompt` parameter; the text searched for must be there.
 */
export function expandSweep(base: SweepBase, axes: readonly SweepAxis[]): SweepPlan {
  const errors: FieldErrors = {};
  axes.forEach((axis, index) => checkAgainstBase(base, axis, `axes.${index}`, errors));
  if (Object.keys(errors).length > 0) throw refused(errors);
  const values = axes.map(axisValues);
  const [nx, ny, nz] = [0, 1, 2].map((i) => values[i]?.length ?? 1) as [number, number, number];
  const cells: SweepCellPlan[] = [];
  for (let z = 0; z < nz; z++) {
    for (let y = 0; y < ny; y++) {
      for (let x = 0; x < nx; x++) {
        const at = [x, y, z];
        let params: Record<string, unknown> = structuredClone(base.params);
        axes.forEach((axis, i) => {
          params = applyValue(base.kind, params, axis, values[i]?.[at[i] ?? 0] ?? null);
        });
        cells.push({ x, y, z, base: { ...base, params } as SweepBase });
      }
    }
  }
  return {
    axes: axes.map((axis, i) => toAxisView(axis, values[i] ?? [])),
    shape: [nx, ny, nz],
    cells,
  };
}

/** The axes as the grid shows them, and the grid's shape, without expanding the cells. */
export function describeAxes(axes: readonly SweepAxis[]): Pick<SweepPlan, 'axes' | 'shape'> {
  const views = axes.map((axis) => toAxisView(axis, axisValues(axis)));
  const shape = [0, 1, 2].map((i) => views[i]?.values.length ?? 1) as [number, number, number];
  return { axes: views, shape };
}

function applyValue(
  kind: SweepBase['kind'],
  params: Record<string, unknown>,
  axis: SweepAxis,
  value: number | string | null,
): Record<string, unknown> {
  if (value === null) return params;
  if (axis.param === 'prompt') {
    const field = kind === 'txt2img' ? 'caption' : 'prompt';
    const text = typeof params[field] === 'string' ? params[field] : '';
    return { ...params, [field]: text.split(axis.search).join(String(value)) };
  }
  if (axis.param === 'lora_weight') {
    const loras = Array.isArray(params.loras) ? [...(params.loras as unknown[])] : [];
    const given = Array.isArray(params.lora_weights) ? (params.lora_weights as unknown[]) : [];
    // The builder's default weight is 1; an explicit list keeps the other LoRAs' weights as they were.
    const weights = loras.map((_, i) => given[i] ?? 1);
    let index = loras.indexOf(axis.lora);
    if (index < 0) {
      loras.push(axis.lora);
      weights.push(1);
      index = loras.length - 1;
    }
    weights[index] = value;
    return { ...params, loras, lora_weights: weights };
  }
  return { ...params, [axis.param]: value };
}

function checkAgainstBase(base: SweepBase, axis: SweepAxis, field: string, errors: FieldErrors): void {
  if (axis.param === 'lora_weight' && base.kind !== 'txt2img') {
    add(errors, `${field}.param`, 'a LoRA weight axis needs a txt2img base');
  }
  if (axis.param === 'prompt') {
    const name = base.kind === 'txt2img' ? 'caption' : 'prompt';
    const text = base.params[name as keyof typeof base.params];
    if (typeof text !== 'string' || !text.includes(axis.search)) {
      add(errors, `${field}.search`, `is not in the base's ${name}`);
    }
  }
}

function checkAxis(input: SweepAxisInput, field: string, errors: FieldErrors): SweepAxis | null {
  const param = input.param as SweepParam;
  if (!(sweepParams as readonly string[]).includes(param)) {
    add(errors, `${field}.param`, `must be one of ${sweepParams.join(', ')}`);
    return null;
  }
  const extra = Object.keys(input).filter((key) => !allowedKeys(param, input).includes(key));
  for (const key of extra) add(errors, `${field}.${key}`, `is not a field of a ${param} axis`);
  if (param === 'seed' && input.from !== undefined) {
    const { from, count } = input;
    const seed = txt2imgBounds.seed;
    if (!isIntIn(from, seed.min, seed.max)) add(errors, `${field}.from`, 'must be a seed (integer ≥ 0)');
    if (!isIntIn(count, 1, maxSweepJobs)) add(errors, `${field}.count`, `must be 1 to ${maxSweepJobs}`);
    else if (isIntIn(from, seed.min, seed.max) && count - 1 > seed.max - from) {
      add(errors, `${field}.count`, 'runs past the largest seed');
    }
    return extra.length > 0 || errors[`${field}.from`] || errors[`${field}.count`]
      ? null
      : { param, from: from, count: count as number };
  }
  const values = input.values;
  if (!Array.isArray(values) || values.length < 1 || values.length > maxSweepJobs) {
    add(errors, `${field}.values`, `must list 1 to ${maxSweepJobs} values`);
    return null;
  }
  const bad = values.findIndex((value) => !valueFits(param, value));
  if (bad >= 0) {
    add(errors, `${field}.values`, `value ${JSON.stringify(values[bad])} ${valueRule(param)}`);
  } else if (new Set(values).size !== values.length) {
    add(errors, `${field}.values`, 'lists a value twice');
  }
  if (param === 'lora_weight' && !isName(input.lora)) add(errors, `${field}.lora`, 'must name a LoRA');
  if (param === 'prompt' && !(typeof input.search === 'string' && isText(input.search, 1))) {
    add(errors, `${field}.search`, `must be 1 to ${maxSweepTextLength} characters`);
  }
  if (Object.keys(errors).some((key) => key.startsWith(`${field}.`))) return null;
  return { ...input, param, values } as SweepAxis;
}

function allowedKeys(param: SweepParam, input: SweepAxisInput): string[] {
  if (param === 'seed') return input.from !== undefined ? ['param', 'from', 'count'] : ['param', 'values'];
  if (param === 'lora_weight') return ['param', 'lora', 'values'];
  if (param === 'prompt') return ['param', 'search', 'values'];
  return ['param', 'values'];
}

function valueFits(param: SweepParam, value: unknown): boolean {
  const b = txt2imgBounds;
  switch (param) {
    case 'seed':
      return isIntIn(value, b.seed.min, b.seed.max);
    case 'steps':
      return isIntIn(value, b.steps.min, b.steps.max);
    case 'cfg':
      return isNumberIn(value, b.cfg.min, b.cfg.max);
    case 'lora_weight':
      return isNumberIn(value, b.lora_weights.min, b.lora_weights.max);
    case 'prompt':
      return typeof value === 'string' && isText(value, 0);
    default:
      return isName(value);
  }
}

function valueRule(param: SweepParam): string {
  const b = txt2imgBounds;
  switch (param) {
    case 'seed':
      return 'is not a seed (integer ≥ 0)';
    case 'steps':
      return `is not an integer from ${b.steps.min} to ${b.steps.max}`;
    case 'cfg':
      return `is not a number from ${b.cfg.min} to ${b.cfg.max}`;
    case 'lora_weight':
      return `is not a number from ${b.lora_weights.min} to ${b.lora_weights.max}`;
    case 'prompt':
      return `is not a text of at most ${maxSweepTextLength} characters`;
    default:
      return 'is not a name';
  }
}

function toAxisView(axis: SweepAxis, values: (number | string)[]): SweepAxisView {
  return { param: axis.param, title: axisTitle(axis), labels: values.map(axisLabel), values };
}

function axisTitle(axis: SweepAxis): string {
  switch (axis.param) {
    case 'lora_weight':
      return `LoRA ${axis.lora}`;
    case 'prompt':
      return `Prompt "${axis.search}"`;
    case 'cfg':
      return 'CFG';
    default:
      return axis.param.charAt(0).toUpperCase() + axis.param.slice(1);
  }
}

function axisLabel(value: number | string): string {
  if (value === '') return '(empty)';
  return String(value);
}

function axisKey(axis: SweepAxis): string {
  if (axis.param === 'lora_weight') return `lora_weight\0${axis.lora}`;
  if (axis.param === 'prompt') return `prompt\0${axis.search}`;
  return axis.param;
}

function isIntIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function isNumberIn(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max;
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0 && value.length <= maxNameLength;
}

function isText(value: string, minLength: number): boolean {
  return value.length >= minLength && value.length <= maxSweepTextLength;
}

function add(errors: FieldErrors, field: string, message: string): void {
  errors[field] = [...(errors[field] ?? []), message];
}

function refused(errors: FieldErrors): AppError {
  const first = Object.entries(errors)[0];
  const message = first ? `${first[0]} ${first[1][0] ?? ''}` : 'The sweep is invalid';
  return new AppError('validation_failed', `The sweep is invalid: ${message}`, errors);
}
