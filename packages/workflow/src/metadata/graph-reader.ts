/**
 * A bounded, read-only view of an untrusted API prompt: every walk of the metadata extraction reads nodes
 * through it, so a hostile graph (cycles, dangling links, wrong types, tens of thousands of nodes) costs at most
 * `maxNodeReads` lookups and never throws.
 */
import { hasOwn, isRecord, type JsonObject } from '../json.js';

export interface GraphNode {
  id: string;
  classType: string;
  inputs: JsonObject;
}

/** A node reached through a link, with the output slot the link reads. */
export interface LinkedNode {
  node: GraphNode;
  slot: number;
}

/** Lookups per prompt: real graphs need a few hundred; this keeps a crafted one to milliseconds. */
const maxNodeReads = 20_000;
/** Nodes scanned when looking for outputs or samplers: more than any real graph has. */
const maxScannedNodes = 50_000;
/** How far one chain (model patches, conditioning, strings) is followed. */
export const maxDepth = 64;

export class GraphReader {
  private readsLeft = maxNodeReads;
  private scanned: GraphNode[] | null = null;

  constructor(private readonly prompt: JsonObject) {}

  /** The node with this id, or null when absent, malformed or over budget. */
  node(id: string): GraphNode | null {
    if (this.readsLeft <= 0) return null;
    this.readsLeft -= 1;
    if (!hasOwn(this.prompt, id)) return null;
    const raw = this.prompt[id];
    if (!isRecord(raw) || typeof raw.class_type !== 'string') return null;
    return { id, classType: raw.class_type, inputs: isRecord(raw.inputs) ? raw.inputs : {} };
  }

  /** The node a link value points at (`[nodeId, outputIndex]`), or null when the value is not a live link. */
  follow(value: unknown): LinkedNode | null {
    const link = linkOf(value);
    if (!link) return null;
    const node = this.node(link.id);
    return node ? { node, slot: link.slot } : null;
  }

  /** The node wired into `name` of `node`. */
  input(node: GraphNode, name: string): LinkedNode | null {
    return this.follow(inputOf(node, name));
  }

  /** Every well-formed node in ascending numeric id order (ComfyUI's own order for integer-like keys). */
  nodes(): GraphNode[] {
    if (this.scanned) return this.scanned;
    const nodes: GraphNode[] = [];
    for (const id of Object.keys(this.prompt).slice(0, maxScannedNodes)) {
      const raw = this.prompt[id];
      if (isRecord(raw) && typeof raw.class_type === 'string') {
        nodes.push({ id, classType: raw.class_type, inputs: isRecord(raw.inputs) ? raw.inputs : {} });
      }
    }
    this.scanned = nodes.sort((a, b) => compareIds(a.id, b.id));
    return this.scanned;
  }
}

function compareIds(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (Number.isFinite(x) && Number.isFinite(y) && x !== y) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `[nodeId, outputIndex]`; ids may be numbers in hand-written prompts, which ComfyUI also accepts. */
export function linkOf(value: unknown): { id: string; slot: number } | null {
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [id, slot] = value as [unknown, unknown];
  if (typeof slot !== 'number' || !Number.isInteger(slot) || slot < 0) return null;
  if (typeof id === 'string') return { id, slot };
  if (typeof id === 'number' && Number.isInteger(id)) return { id: String(id), slot };
  return null;
}

/** An input's value; own properties only, so `constructor` or `__proto__` never reach Object.prototype. */
export function inputOf(node: GraphNode, name: string): unknown {
  return hasOwn(node.inputs, name) ? node.inputs[name] : undefined;
}

export function hasLinkInput(node: GraphNode, name: string): boolean {
  return linkOf(inputOf(node, name)) !== null;
}

/** Inputs looked at per node: real nodes have a few dozen. */
const maxInputsPerNode = 256;

/** A node's inputs in order, at most `maxInputsPerNode` of them. */
export function entriesOf(node: GraphNode): [string, unknown][] {
  const entries: [string, unknown][] = [];
  for (const name in node.inputs) {
    if (!hasOwn(node.inputs, name)) continue;
    entries.push([name, node.inputs[name]]);
    if (entries.length >= maxInputsPerNode) break;
  }
  return entries;
}

/** A literal finite number (a link or anything else: null — the graph does not say). */
export function numberInput(node: GraphNode, name: string): number | null {
  const value = inputOf(node, name);
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** A literal non-empty string, trimmed (names: an empty one says nothing). */
export function nameInput(node: GraphNode, name: string): string | null {
  const value = inputOf(node, name);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}
