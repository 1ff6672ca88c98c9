import type { ObjectInfo } from '@atelier/contract';

type Json = Record<string, unknown>;

const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The pool's catalogue: every node class some backend has, and for a combo input (checkpoints, LoRAs,
 * samplers…) every value some backend offers. The builders and the template library check against it
 * ("runs on at least one backend"); routing then sends each job to a backend that has what it needs.
 * A class or input only one backend has keeps that backend's spec; a combo present on several keeps the
 * first one's spelling (`[[values], options]` or `["COMBO", {options: [values]}]`) with the values united.
 */
export function mergeObjectInfo(infos: readonly ObjectInfo[]): ObjectInfo {
  const [first, ...rest] = infos;
  if (!first) return {};
  if (rest.length === 0) return first;
  const merged: Json = { ...first };
  for (const info of rest) {
    for (const [classType, def] of Object.entries(info)) {
      const have = merged[classType];
      merged[classType] = isRecord(have) && isRecord(def) ? mergeClass(have, def) : (have ?? def);
    }
  }
  return merged as ObjectInfo;
}

function mergeClass(a: Json, b: Json): Json {
  if (!isRecord(a.input) || !isRecord(b.input)) return a;
  const input: Json = { ...a.input };
  for (const section of ['required', 'optional'] as const) {
    const left = a.input[section];
    const right = b.input[section];
    if (!isRecord(right)) continue;
    if (!isRecord(left)) {
      input[section] = right;
      continue;
    }
    const inputs: Json = { ...left };
    for (const [name, spec] of Object.entries(right))
      inputs[name] = name in left ? mergeSpec(left[name], spec) : spec;
    input[section] = inputs;
  }
  return { ...a, input };
}

/** A combo's values united, in the first spec's spelling; anything else stays the first spec. */
function mergeSpec(a: unknown, b: unknown): unknown {
  const left = comboValues(a);
  const right = comboValues(b);
  if (!left || !right || !Array.isArray(a)) return a;
  const values = [...left, ...right.filter((value) => !left.includes(value))];
  const [type, options] = a as [unknown, unknown];
  if (Array.isArray(type)) return [values, ...(a.length > 1 ? [options] : [])];
  return [type, { ...(isRecord(options) ? options : {}), options: values }];
}

function comboValues(spec: unknown): unknown[] | null {
  if (!Array.isArray(spec) || spec.length === 0) return null;
  const [type, options] = spec as [unknown, unknown];
  if (Array.isArray(type)) return type as unknown[];
  if (type === 'COMBO' && isRecord(options) && Array.isArray(options.options))
    return options.options as unknown[];
  return null;
}
