/** The API ("prompt") format ComfyUI's POST /prompt takes, and format detection. */
import { isRecord } from './json.js';

/** A link to another node's output: `[nodeId, outputIndex]`. */
export type ApiLink = [string, number];

export interface ApiNode {
  inputs: Record<string, unknown>;
  class_type: string;
  /** Ignored by the server; the UI adds it (title) in dev mode. */
  _meta?: { title: string };
}

/** Node id (a string, usually numeric) → node. */
export type ApiPrompt = Record<string, ApiNode>;

export function isApiLink(value: unknown): value is ApiLink {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === 'string' &&
    typeof value[1] === 'number' &&
    Number.isInteger(value[1])
  );
}

/**
 * True for a non-empty object whose every value looks like `{class_type: string, inputs?: object}` — the test the
 * ComfyUI frontend applies to decide a dropped JSON file is an API prompt.
 */
export function isApiPrompt(value: unknown): value is ApiPrompt {
  if (!isRecord(value)) return false;
  const nodes = Object.values(value);
  return (
    nodes.length > 0 &&
    nodes.every(
      (node) =>
        isRecord(node) &&
        typeof node.class_type === 'string' &&
        (node.inputs === undefined || isRecord(node.inputs)),
    )
  );
}

/** True for LiteGraph's serialized graph: `{nodes: [{id, type, …}], links?: […]}`. */
export function isUiWorkflow(value: unknown): boolean {
  if (!isRecord(value) || !Array.isArray(value.nodes)) return false;
  if (value.links !== undefined && value.links !== null && !Array.isArray(value.links)) return false;
  return value.nodes.every(
    (node) =>
      isRecord(node) &&
      (typeof node.id === 'number' || typeof node.id === 'string') &&
      typeof node.type === 'string',
  );
}
