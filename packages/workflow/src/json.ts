/** Small JSON helpers shared by the modules of this package. */

export type JsonObject = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A deep copy of JSON data (templates are patched on copies, never in place). */
export function cloneJson<T>(value: T): T {
  return structuredClone(value);
}

export function hasOwn(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

/** Renders a value for an error message, shortened so huge strings do not flood a 422 body. */
export function describeValue(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
