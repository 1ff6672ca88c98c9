/**
 * JSON the way ComfyUI's Python speaks it: `json.loads` keeps `1.0` a float and big integers exact,
 * `json.dumps` writes `", "`/`": "` separators, escapes non-ASCII and prints floats as `5.0`.
 * Plain JS values are used throughout; float-ness is remembered per (container, key) in a WeakMap
 * so `{"number": 5.0}` can be echoed exactly without wrapping every number.
 */

const floatKeys = new WeakMap<object, Set<string>>();

/** Marks `container[key]` as a Python float (serialised with a decimal point). */
export function markFloat(container: object, key: string | number): void {
  let keys = floatKeys.get(container);
  if (!keys) {
    keys = new Set();
    floatKeys.set(container, keys);
  }
  keys.add(String(key));
}

export function unmarkFloat(container: object, key: string | number): void {
  floatKeys.get(container)?.delete(String(key));
}

export function isFloatAt(container: object, key: string | number): boolean {
  return floatKeys.get(container)?.has(String(key)) ?? false;
}

export class PyJsonError extends Error {
  override readonly name = 'PyJsonError';
}

/** Parses JSON like Python's `json.loads` (also NaN/Infinity), preserving float-ness and big ints. */
export function parsePyJson(text: string): unknown {
  let i = 0;
  const fail = (what: string): never => {
    throw new PyJsonError(`${what} at char ${i}`);
  };
  const ws = (): void => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) i++;
      else break;
    }
  };
  const numberRe = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?/y;

  // Returns the value and whether it is a float (needed by the container to mark it).
  const value = (): [unknown, boolean] => {
    ws();
    const c = text[i];
    if (c === undefined) return fail('Expecting value');
    if (c === '{') return [object(), false];
    if (c === '[') return [array(), false];
    if (c === '"') return [string(), false];
    if (text.startsWith('true', i)) return ((i += 4), [true, false]);
    if (text.startsWith('false', i)) return ((i += 5), [false, false]);
    if (text.startsWith('null', i)) return ((i += 4), [null, false]);
    if (text.startsWith('NaN', i)) return ((i += 3), [NaN, true]);
    if (text.startsWith('Infinity', i)) return ((i += 8), [Infinity, true]);
    if (text.startsWith('-Infinity', i)) return ((i += 9), [-Infinity, true]);
    numberRe.lastIndex = i;
    const m = numberRe.exec(text);
    if (!m) return fail('Expecting value');
    i += m[0].length;
    if (m[1] !== undefined || m[2] !== undefined) return [Number(m[0]), true];
    const n = Number(m[0]);
    return [Number.isSafeInteger(n) ? n : BigInt(m[0]), false];
  };

  const string = (): string => {
    i++; // opening quote
    let out = '';
    let start = i;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) return fail('Unterminated string');
      if (c === 0x22) {
        out += text.slice(start, i);
        i++;
        return out;
      }
      if (c < 0x20) return fail('Invalid control character');
      if (c === 0x5c) {
        out += text.slice(start, i);
        const e = text[i + 1];
        i += 2;
        switch (e) {
          case '"':
            out += '"';
            break;
          case '\\':
            out += '\\';
            break;
          case '/':
            out += '/';
            break;
          case 'b':
            out += '\b';
            break;
          case 'f':
            out += '\f';
            break;
          case 'n':
            out += '\n';
            break;
          case 'r':
            out += '\r';
            break;
          case 't':
            out += '\t';
            break;
          case 'u': {
            const hex = text.slice(i, i + 4);
            if (!/^[0-9a-fA-F]{4}$/.test(hex)) return fail('Invalid \\uXXXX escape');
            out += String.fromCharCode(parseInt(hex, 16));
            i += 4;
            break;
          }
          default:
            return fail('Invalid \\escape');
        }
        start = i;
        continue;
      }
      i++;
    }
  };

  const array = (): unknown[] => {
    i++;
    const out: unknown[] = [];
    ws();
    if (text[i] === ']') return (i++, out);
    for (;;) {
      const [v, isFloat] = value();
      if (isFloat) markFloat(out, out.length);
      out.push(v);
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === ']') return (i++, out);
      return fail("Expecting ',' delimiter");
    }
  };

  const object = (): Record<string, unknown> => {
    i++;
    const out: Record<string, unknown> = {};
    ws();
    if (text[i] === '}') return (i++, out);
    for (;;) {
      ws();
      if (text[i] !== '"') return fail('Expecting property name enclosed in double quotes');
      const key = string();
      ws();
      if (text[i] !== ':') return fail("Expecting ':' delimiter");
      i++;
      const [v, isFloat] = value();
      // defineProperty: a "__proto__" key must stay a plain key, never a prototype.
      Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      if (isFloat) markFloat(out, key);
      else unmarkFloat(out, key);
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '}') return (i++, out);
      return fail("Expecting ',' delimiter");
    }
  };

  const [result] = value();
  ws();
  if (i !== text.length) fail('Extra data');
  return result;
}

/** Python's `repr(float)`: shortest round-trip digits, `1.0`, `1e-05`, `1.5e+16`. */
export function pyFloatRepr(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const sign = n < 0 ? '-' : '';
  const [mant = '0', expText = '0'] = Math.abs(n).toExponential().split('e');
  const digits = mant.replace('.', '');
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
    const e = Math.abs(exp).toString().padStart(2, '0');
    return `${sign}${m}e${exp < 0 ? '-' : '+'}${e}`;
  }
  if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
  const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = digits.slice(exp + 1) || '0';
  return `${sign}${intPart}.${frac}`;
}

function dumpNumber(n: number, isFloat: boolean): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (!isFloat && Number.isInteger(n)) return Math.abs(n) < 1e21 ? String(n) : BigInt(n).toString();
  return pyFloatRepr(n);
}

function dumpString(s: string): string {
  let out = '"';
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt(k);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c >= 0x20 && c <= 0x7e) out += s[k];
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else out += '\\u' + c.toString(16).padStart(4, '0');
  }
  return out + '"';
}

function dumpValue(v: unknown, isFloat: boolean): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') return dumpNumber(v, isFloat);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return dumpString(v);
  if (Array.isArray(v)) {
    const marks = floatKeys.get(v);
    return '[' + v.map((x, k) => dumpValue(x, marks?.has(String(k)) ?? false)).join(', ') + ']';
  }
  if (typeof v === 'object') {
    const marks = floatKeys.get(v);
    const parts: string[] = [];
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) continue;
      parts.push(`${dumpString(k)}: ${dumpValue(x, marks?.has(k) ?? false)}`);
    }
    return '{' + parts.join(', ') + '}';
  }
  return dumpString(typeof v === 'symbol' ? v.toString() : '<function>');
}

/** Serialises like Python's `json.dumps(value)` (the format aiohttp sends). */
export function dumpsPy(value: unknown): string {
  return dumpValue(value, false);
}

/** Deep copy that keeps float marks (Python's `copy.deepcopy` of queue items). */
export function deepCopyPy<T>(value: T): T {
  if (Array.isArray(value)) {
    const out = value.map((x: unknown) => deepCopyPy(x));
    const marks = floatKeys.get(value);
    if (marks) floatKeys.set(out, new Set(marks));
    return out as T;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(value)) {
      Object.defineProperty(out, k, {
        value: deepCopyPy(x),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    const marks = floatKeys.get(value);
    if (marks) floatKeys.set(out, new Set(marks));
    return out as T;
  }
  return value;
}

function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === quote) out += '\\' + ch;
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

/** Python's `repr()` of a JSON-ish value, for error texts that embed it. */
export function pyRepr(v: unknown, isFloat = false): string {
  if (v === null || v === undefined) return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') {
    if (!isFloat && Number.isInteger(v)) return dumpNumber(v, false);
    return pyFloatRepr(v);
  }
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'string') return pyStrRepr(v);
  if (Array.isArray(v)) {
    const marks = floatKeys.get(v);
    return '[' + v.map((x, k) => pyRepr(x, marks?.has(String(k)) ?? false)).join(', ') + ']';
  }
  if (typeof v === 'object') {
    const marks = floatKeys.get(v);
    return (
      '{' +
      Object.entries(v)
        .map(([k, x]) => `${pyStrRepr(k)}: ${pyRepr(x, marks?.has(k) ?? false)}`)
        .join(', ') +
      '}'
    );
  }
  return pyStrRepr(typeof v === 'symbol' ? v.toString() : '<function>');
}

/** Python's `str()`: like repr, except a string is itself. */
export function pyStr(v: unknown, isFloat = false): string {
  return typeof v === 'string' ? v : pyRepr(v, isFloat);
}

/** Python type name, as in `TypeError` texts. */
export function pyTypeName(v: unknown, isFloat = false): string {
  if (v === null || v === undefined) return 'NoneType';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return isFloat || !Number.isInteger(v) ? 'float' : 'int';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'string') return 'str';
  if (Array.isArray(v)) return 'list';
  return 'dict';
}

/** Python truthiness. */
export function pyTruthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === 0n || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}
