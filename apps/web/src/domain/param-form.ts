import type { ComfyParamTarget, ComfyUploadResponse } from '@atelier/contract';
import type { ComfyObjectInfo } from '../types/comfy';
import { comboOptions } from './object-info';

/**
 * The run form of a workflow template, read from its parameter contract (JSON Schema, one property per knob,
 * `x-patch` naming the inputs it sets) and the server's object_info (combo choices, image inputs, bounds the
 * contract leaves open). Pure: the component only renders the fields.
 */
export type ParamFieldKind = 'integer' | 'number' | 'seed' | 'enum' | 'combo' | 'image' | 'text' | 'boolean';

export interface ParamField {
  name: string;
  label: string;
  kind: ParamFieldKind;
  min: number | null;
  max: number | null;
  /** null: any step (`step="any"`). */
  step: number | null;
  /** enum: the contract's values; combo: what the server offers for every target. */
  options: (string | number)[];
  default: unknown;
  description: string | null;
  required: boolean;
  /** Long text (a prompt): a textarea. */
  multiline: boolean;
}

/** What a field holds while edited: numbers and text as typed, an upload for images, null = left out. */
export type ParamValue = string | number | boolean | ComfyUploadResponse | null;
export type ParamValues = Record<string, ParamValue>;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const num = (value: unknown): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : null;

/** `[type, options]` of one input of a node class, from required or optional; null when unknown. */
function inputSpec(
  info: ComfyObjectInfo | null,
  target: ComfyParamTarget,
): [unknown, Record<string, unknown>] | null {
  if (!info || !target.class_type) return null;
  const node = info[target.class_type];
  if (!isRecord(node) || !isRecord(node.input)) return null;
  for (const section of ['required', 'optional'] as const) {
    const inputs = node.input[section];
    const spec = isRecord(inputs) ? inputs[target.input] : undefined;
    if (Array.isArray(spec)) return [spec[0], isRecord(spec[1]) ? spec[1] : {}];
  }
  return null;
}

const isImageTarget = (info: ComfyObjectInfo | null, target: ComfyParamTarget) =>
  (target.input === 'image' && /^LoadImage/.test(target.class_type ?? '')) ||
  inputSpec(info, target)?.[1].image_upload === true;

/** The values every target accepts (a knob patching two loaders can only take what both offer). */
function sharedCombo(info: ComfyObjectInfo | null, targets: readonly ComfyParamTarget[]): string[] {
  if (!info || targets.length === 0) return [];
  const lists = targets.map((t) => (t.class_type ? comboOptions(info, t.class_type, t.input) : []));
  const [first = [], ...rest] = lists;
  return first.filter((value) => rest.every((list) => list.includes(value)));
}

const humanise = (name: string) => {
  const words = name.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

function kindOf(
  property: Record<string, unknown>,
  targets: ComfyParamTarget[],
  info: ComfyObjectInfo | null,
) {
  if (Array.isArray(property.enum)) return 'enum';
  switch (property.type) {
    case 'integer':
      return property['x-random'] === true ? 'seed' : 'integer';
    case 'number':
      return 'number';
    case 'boolean':
      return 'boolean';
    default:
      if (targets.some((target) => isImageTarget(info, target))) return 'image';
      return sharedCombo(info, targets).length > 0 ? 'combo' : 'text';
  }
}

/** A lower or upper bound: the contract's (exclusive ones made inclusive for integers), else the input's own. */
function bound(
  property: Record<string, unknown>,
  spec: Record<string, unknown>,
  side: 'min' | 'max',
  real: boolean,
): number | null {
  const inclusive = num(side === 'min' ? property.minimum : property.maximum);
  if (inclusive !== null) return inclusive;
  const exclusive = num(side === 'min' ? property.exclusiveMinimum : property.exclusiveMaximum);
  if (exclusive !== null) return real ? exclusive : exclusive + (side === 'min' ? 1 : -1);
  return num(spec[side]);
}

/** The value the template's prompt holds at a target (a literal, not a link), or undefined. */
function promptValue(prompt: Record<string, unknown> | null, target: ComfyParamTarget | undefined): unknown {
  const node = target && prompt ? prompt[target.node] : undefined;
  const inputs = isRecord(node) && isRecord(node.inputs) ? node.inputs : {};
  const value = target ? inputs[target.input] : undefined;
  return Array.isArray(value) || isRecord(value) ? undefined : value;
}

/**
 * The fields of a contract, in its property order. With the template's `prompt` (GET /workflows/:name), a knob
 * the contract gives no `default` defaults to what the prompt holds (what running it untouched would use).
 */
export function fieldsOf(
  schema: Record<string, unknown>,
  targets: Record<string, ComfyParamTarget[]>,
  objectInfo: ComfyObjectInfo | null,
  prompt: Record<string, unknown> | null = null,
): ParamField[] {
  const properties = isRecord(schema.properties) ? schema.properties : {};
  const required = Array.isArray(schema.required) ? schema.required : [];
  return Object.entries(properties)
    .filter((entry): entry is [string, Record<string, unknown>] => isRecord(entry[1]))
    .map(([name, property]) => {
      const knobTargets = targets[name] ?? [];
      const kind = kindOf(property, knobTargets, objectInfo);
      // The contract's bounds win; the first target's own bounds fill what it leaves open.
      const spec = knobTargets[0] ? (inputSpec(objectInfo, knobTargets[0])?.[1] ?? {}) : {};
      const numeric = kind === 'integer' || kind === 'number' || kind === 'seed';
      const step = num(property.multipleOf) ?? (kind === 'number' ? num(spec.step) : null);
      return {
        name,
        label: typeof property.title === 'string' ? property.title : humanise(name),
        kind,
        min: numeric ? bound(property, spec, 'min', kind === 'number') : null,
        max: numeric ? bound(property, spec, 'max', kind === 'number') : null,
        step: kind === 'number' ? step : numeric ? (step ?? 1) : null,
        options:
          kind === 'enum'
            ? (property.enum as unknown[]).filter(
                (v): v is string | number => typeof v === 'string' || typeof v === 'number',
              )
            : kind === 'combo'
              ? sharedCombo(objectInfo, knobTargets)
              : [],
        default: property.default ?? promptValue(prompt, knobTargets[0]),
        description: typeof property.description === 'string' ? property.description : null,
        required: required.includes(name),
        multiline: kind === 'text' && spec.multiline === true,
      };
    });
}

/** The form's first values: each knob's default (seeds start empty: drawn at random unless typed). */
export function initialValues(fields: readonly ParamField[]): ParamValues {
  const values: ParamValues = {};
  for (const field of fields) {
    const value = field.default;
    values[field.name] =
      field.kind === 'seed' || field.kind === 'image'
        ? null
        : typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
          ? value
          : null;
  }
  return values;
}

const isEmpty = (value: ParamValue | undefined) => value === null || value === undefined || value === '';

/** Per field, what keeps the values from being sent (the server checks again: this is for the form). */
export function fieldProblems(fields: readonly ParamField[], values: ParamValues): Record<string, string> {
  const problems: Record<string, string> = {};
  for (const field of fields) {
    const value = values[field.name];
    if (isEmpty(value)) {
      if (field.required) problems[field.name] = 'Required';
      continue;
    }
    if (field.kind !== 'integer' && field.kind !== 'number' && field.kind !== 'seed') continue;
    const n = Number(value);
    if (!Number.isFinite(n)) problems[field.name] = 'Enter a number';
    else if (field.kind !== 'number' && !Number.isInteger(n)) problems[field.name] = 'Enter a whole number';
    else if (field.min !== null && n < field.min) problems[field.name] = `At least ${field.min}`;
    else if (field.max !== null && n > field.max) problems[field.name] = `At most ${field.max}`;
  }
  return problems;
}

const isUpload = (value: ParamValue | undefined): value is ComfyUploadResponse =>
  typeof value === 'object' && value !== null && 'image' in value;

/**
 * The run request's `params`: numbers as numbers, images as the upload's `image` name; empty fields are left
 * out, so the template keeps its own value (and seeds are drawn).
 */
export function toRunParams(fields: readonly ParamField[], values: ParamValues): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const field of fields) {
    const value = values[field.name];
    if (isEmpty(value)) continue;
    if (field.kind === 'image') {
      if (isUpload(value)) params[field.name] = value.image;
    } else if (field.kind === 'integer' || field.kind === 'number' || field.kind === 'seed') {
      params[field.name] = Number(value);
    } else if (field.kind === 'enum') {
      // A select's value is the option itself, but may have been typed as text.
      const typed = typeof value === 'object' ? '' : String(value);
      params[field.name] = field.options.find((option) => String(option) === typed) ?? value;
    } else {
      params[field.name] = value;
    }
  }
  return params;
}
