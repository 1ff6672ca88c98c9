/**
 * The save dialog's choices → a template's parameter contract: a closed JSON Schema object whose properties are
 * the exposed widgets, each with `x-patch` naming the node input it sets and `default` = the imported value (the
 * server's checkParamContract requires the default to equal the template's value).
 */
import type { ComfyImportNode, ComfyImportWidget, ComfyWidgetType } from '@atelier/contract';

/** One widget the curator chose to expose. */
export interface ParamSelection {
  /** The knob's name in the contract (letters, digits, `_`). */
  name: string;
  node: string;
  input: string;
  type: ComfyWidgetType;
  /** The imported value: the knob's default. */
  value: unknown;
  min?: number;
  max?: number;
  step?: number;
  description?: string;
  /** Integers only: draw a new value when the run leaves it out (seeds). */
  random?: boolean;
  /** COMBO: restrict to these values (left out: whatever the server offers when run). */
  options?: (string | number | boolean)[];
}

export interface ParamContract {
  type: 'object';
  additionalProperties: false;
  properties: Record<string, Record<string, unknown>>;
  required?: string[];
}

export const paramNamePattern = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const seedInputs = new Set(['seed', 'noise_seed']);

function jsonType(type: ComfyWidgetType): string | null {
  switch (type) {
    case 'INT':
      return 'integer';
    case 'FLOAT':
      return 'number';
    case 'STRING':
      return 'string';
    case 'BOOLEAN':
      return 'boolean';
    default:
      return null;
  }
}

/** True when `value` is `min + k·step` (to a float's precision): only then can `multipleOf` keep the default. */
function onStep(value: number, step: number): boolean {
  const ratio = value / step;
  return Math.abs(ratio - Math.round(ratio)) < 1e-9;
}

function property(selection: ParamSelection): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const type = jsonType(selection.type);
  if (type) out.type = type;
  const numeric = selection.type === 'INT' || selection.type === 'FLOAT';
  if (numeric && selection.min !== undefined) out.minimum = selection.min;
  if (numeric && selection.max !== undefined) out.maximum = selection.max;
  // A step is a hint for floats (0.1 steps are not exact in binary); integers keep it when the default fits.
  if (
    selection.type === 'INT' &&
    selection.step !== undefined &&
    selection.step > 1 &&
    typeof selection.value === 'number' &&
    onStep(selection.value, selection.step)
  ) {
    out.multipleOf = selection.step;
  }
  if (selection.type === 'COMBO' && selection.options?.length) out.enum = [...selection.options];
  if (selection.type === 'INT' && selection.random) out['x-random'] = true;
  if (selection.description?.trim()) out.description = selection.description.trim();
  out.default = selection.value;
  out['x-patch'] = [{ node: selection.node, input: selection.input }];
  return out;
}

/** Builds the contract; names must be unique and well-formed (see selectionProblems). */
export function buildParamContract(selections: readonly ParamSelection[]): ParamContract {
  const properties: Record<string, Record<string, unknown>> = {};
  for (const selection of selections) properties[selection.name] = property(selection);
  return { type: 'object', additionalProperties: false, properties };
}

/** What keeps the selections from making a contract, in words; empty when they can be saved. */
export function selectionProblems(selections: readonly ParamSelection[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const s of selections) {
    if (!paramNamePattern.test(s.name)) {
      problems.push(
        `"${s.name}" is not a valid parameter name (letters, digits and _, not starting with a digit)`,
      );
    } else if (seen.has(s.name)) {
      problems.push(`two parameters are named "${s.name}"`);
    }
    seen.add(s.name);
    if (s.min !== undefined && s.max !== undefined && s.min > s.max) {
      problems.push(`${s.name}: the minimum is above the maximum`);
    }
    if (typeof s.value === 'number') {
      if (s.min !== undefined && s.value < s.min)
        problems.push(`${s.name}: the current value is below the minimum`);
      if (s.max !== undefined && s.value > s.max)
        problems.push(`${s.name}: the current value is above the maximum`);
    }
    if (s.options?.length && !s.options.includes(s.value as string)) {
      problems.push(`${s.name}: the current value is not among the allowed values`);
    }
  }
  return problems;
}

/** A name for a widget's knob: its input name, made valid and unique among `taken`. */
export function suggestName(input: string, taken: ReadonlySet<string>): string {
  let base = input.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 56);
  if (!/^[A-Za-z_]/.test(base)) base = `p_${base}`;
  if (!taken.has(base)) return base;
  for (let n = 2; ; n += 1) {
    const name = `${base}_${n}`;
    if (!taken.has(name)) return name;
  }
}

/** A selection prefilled from the import preview: bounds from object_info, seeds drawn at random. */
export function selectionFor(
  node: ComfyImportNode,
  widget: ComfyImportWidget,
  taken: ReadonlySet<string>,
): ParamSelection {
  return {
    name: suggestName(widget.input, taken),
    node: node.id,
    input: widget.input,
    type: widget.type,
    value: widget.value,
    ...(widget.min !== undefined ? { min: widget.min } : {}),
    // ComfyUI's seeds go to 2^64-1; a browser's numbers are exact to 2^53 only.
    ...(widget.max !== undefined
      ? { max: widget.type === 'INT' ? Math.min(widget.max, Number.MAX_SAFE_INTEGER) : widget.max }
      : {}),
    ...(widget.step !== undefined ? { step: widget.step } : {}),
    ...(widget.type === 'INT' && seedInputs.has(widget.input) ? { random: true } : {}),
  };
}
