/** Body comparison for the conformance suite: shapes (keys + value types) and normalised values. */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const HEX32 = /^[0-9a-f]{32}$/;

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'bigint') return 'number';
  return typeof v;
}

/** Keys and value types, recursively; arrays become the set of their element shapes. */
export function shape(v: unknown): unknown {
  if (Array.isArray(v)) {
    const elems = [...new Set(v.map((x) => JSON.stringify(shape(x))))].sort();
    return ['array', ...elems];
  }
  if (v !== null && typeof v === 'object') {
    const keys = keyNames(Object.keys(v));
    const out: Record<string, unknown> = {};
    for (const [k, name] of [...keys].sort((a, b) => (a[1] < b[1] ? -1 : 1)))
      out[name] = shape((v as Record<string, unknown>)[k]);
    return out;
  }
  return typeName(v);
}

/** Prompt ids as keys (history) become <uuid#n> in insertion order, so order still counts. */
function keyNames(keys: string[]): [string, string][] {
  let n = 0;
  return keys.map((k) => [k, UUID.test(k) ? `<uuid#${n++}>` : k]);
}

export interface NormaliseOptions {
  /** Absolute data directories of the recorded server and of the simulator (replaced by <data>). */
  dataDirs: string[];
}

function normString(s: string, opts: NormaliseOptions): string {
  if (UUID.test(s)) return '<uuid>';
  if (HEX32.test(s)) return '<sid>';
  if (s.startsWith('tensor(')) return '<tensor>';
  let out = s.replace(/ComfyUI_temp_[a-z]{5}_/g, 'ComfyUI_temp_<rand>_');
  for (const d of opts.dataDirs) out = out.split(d).join('<data>');
  return out;
}

/** Replaces what legitimately differs between runs: ids, timestamps, random names, tracebacks, set order. */
export function normalise(v: unknown, opts: NormaliseOptions, key?: string): unknown {
  if (key === 'timestamp' && typeof v === 'number') return '<ts>';
  if (key === 'traceback' && Array.isArray(v)) return '<traceback>';
  if (typeof v === 'string') return normString(v, opts);
  if (Array.isArray(v)) {
    const items = v.map((x) => normalise(x, opts));
    // Python set order: executed / current_outputs / outputs_to_execute are unordered.
    if (key === 'executed' || key === 'current_outputs') return items.sort();
    if (items.length === 5 && items[1] === '<uuid>' && Array.isArray(items[4]))
      items[4] = [...(items[4] as unknown[])].sort();
    return items;
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, name] of keyNames(Object.keys(v)))
      out[name] = normalise((v as Record<string, unknown>)[k], opts, k);
    return out;
  }
  return v;
}
