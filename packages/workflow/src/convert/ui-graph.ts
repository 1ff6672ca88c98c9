/** Reads the UI's workflow JSON (LiteGraph `serialize()`) into a normalised graph, reporting what is malformed. */
import { hasOwn, isRecord, type JsonObject } from '../json.js';
import type { ConversionIssue } from './conversion-error.js';

export type LinkId = string;

export interface UiLink {
  id: LinkId;
  originId: string;
  originSlot: number;
  targetId: string;
  targetSlot: number;
}

export interface UiInputSlot {
  name: string;
  type: unknown;
  /** The link id as stored (LiteGraph tests it for truthiness in places, so keep the raw value). */
  link: unknown;
  /** Set when the input is a widget converted to a socket. */
  widgetName?: string;
}

export interface UiNode {
  id: string;
  type: string;
  mode: number;
  title?: string;
  inputs: UiInputSlot[];
  /** Per output slot, the ids of its links. */
  outputLinks: LinkId[][];
  widgetsValues: unknown;
  properties: JsonObject;
}

export interface UiGraph {
  /** In workflow order (the order LiteGraph keeps them in). */
  nodes: UiNode[];
  byId: Map<string, UiNode>;
  links: Map<LinkId, UiLink>;
  hasGroupNodes: boolean;
}

/**
 * Far beyond any real workflow, and low enough that converting the largest one accepted stays well under 200 ms:
 * the API takes 1 MiB bodies, which could otherwise hold some 40,000 nodes.
 */
export const graphLimits = { nodes: 5_000, links: 20_000, slots: 50_000 } as const;

/** LiteGraph renamed or fixed these node types on load. */
const typeFixes: Record<string, string> = {
  T2IAdapterLoader: 'ControlNetLoader',
  'ConditioningAverage ': 'ConditioningAverage',
  SDV_img2vid_Conditioning: 'SVD_img2vid_Conditioning',
};

function idOf(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string' && value !== '') return value;
  return null;
}

function slotOf(value: unknown): number | null {
  const n = typeof value === 'string' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : null;
}

/** Links are `[id, origin_id, origin_slot, target_id, target_slot, type]` (v0.4) or objects (schema v1). */
function readLink(raw: unknown): UiLink | null {
  if (Array.isArray(raw)) {
    const [id, originId, originSlot, targetId, targetSlot] = raw as unknown[];
    return makeLink(id, originId, originSlot, targetId, targetSlot);
  }
  if (isRecord(raw)) return makeLink(raw.id, raw.origin_id, raw.origin_slot, raw.target_id, raw.target_slot);
  return null;
}

function makeLink(...[id, originId, originSlot, targetId, targetSlot]: unknown[]): UiLink | null {
  const linkId = idOf(id);
  const from = idOf(originId);
  const to = idOf(targetId);
  const fromSlot = slotOf(originSlot);
  const toSlot = slotOf(targetSlot);
  if (linkId === null || from === null || to === null || fromSlot === null || toSlot === null) return null;
  return { id: linkId, originId: from, originSlot: fromSlot, targetId: to, targetSlot: toSlot };
}

function readInputs(raw: unknown): UiInputSlot[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((slot): UiInputSlot => {
    if (!isRecord(slot)) return { name: '', type: undefined, link: null };
    const widget =
      isRecord(slot.widget) && typeof slot.widget.name === 'string' ? slot.widget.name : undefined;
    return {
      name: typeof slot.name === 'string' ? slot.name : '',
      type: slot.type,
      link: slot.link ?? null,
      ...(widget !== undefined ? { widgetName: widget } : {}),
    };
  });
}

function readOutputLinks(raw: unknown): LinkId[][] {
  if (!Array.isArray(raw)) return [];
  return raw.map((slot) => {
    if (!isRecord(slot) || !Array.isArray(slot.links)) return [];
    return slot.links.map(idOf).filter((id): id is string => id !== null);
  });
}

function sizeIssue(workflow: JsonObject): string | undefined {
  const nodes = workflow.nodes as unknown[];
  if (nodes.length > graphLimits.nodes) {
    return `the workflow has ${nodes.length} nodes; at most ${graphLimits.nodes} are accepted`;
  }
  const links = Array.isArray(workflow.links) ? workflow.links.length : 0;
  if (links > graphLimits.links) {
    return `the workflow has ${links} links; at most ${graphLimits.links} are accepted`;
  }
  let slots = 0;
  for (const node of nodes) {
    if (!isRecord(node)) continue;
    if (Array.isArray(node.inputs)) slots += node.inputs.length;
    if (!Array.isArray(node.outputs)) continue;
    for (const output of node.outputs as unknown[]) {
      slots += 1 + (isRecord(output) && Array.isArray(output.links) ? output.links.length : 0);
    }
  }
  if (slots > graphLimits.slots) {
    return `the workflow's nodes have ${slots} input and output slots and links; at most ${graphLimits.slots} are accepted`;
  }
  return undefined;
}

/** Normalises the workflow; returns null (with issues) when it is not a UI workflow at all. */
export function readUiGraph(workflow: unknown, issues: ConversionIssue[]): UiGraph | null {
  if (!isRecord(workflow) || !Array.isArray(workflow.nodes)) {
    issues.push({
      nodeId: null,
      nodeType: null,
      reason: 'not a UI workflow: expected an object with a "nodes" array',
    });
    return null;
  }
  const tooLarge = sizeIssue(workflow);
  if (tooLarge) {
    issues.push({ nodeId: null, nodeType: null, reason: tooLarge });
    return null;
  }
  const nodes: UiNode[] = [];
  const byId = new Map<string, UiNode>();
  for (const [index, raw] of workflow.nodes.entries()) {
    const id = isRecord(raw) ? idOf(raw.id) : null;
    if (!isRecord(raw) || id === null || typeof raw.type !== 'string') {
      issues.push({ nodeId: id, nodeType: null, reason: `node #${index} has no valid "id" and "type"` });
      continue;
    }
    if (byId.has(id)) {
      issues.push({ nodeId: id, nodeType: raw.type, reason: `node id ${id} appears more than once` });
      continue;
    }
    const node: UiNode = {
      id,
      type: hasOwn(typeFixes, raw.type) ? (typeFixes[raw.type] ?? raw.type) : raw.type,
      mode: typeof raw.mode === 'number' ? raw.mode : 0,
      ...(typeof raw.title === 'string' ? { title: raw.title } : {}),
      inputs: readInputs(raw.inputs),
      outputLinks: readOutputLinks(raw.outputs),
      widgetsValues: raw.widgets_values,
      properties: isRecord(raw.properties) ? raw.properties : {},
    };
    nodes.push(node);
    byId.set(id, node);
  }
  const links = new Map<LinkId, UiLink>();
  const rawLinks: unknown = workflow.links;
  if (Array.isArray(rawLinks)) {
    for (const raw of rawLinks) {
      const link = readLink(raw);
      if (link) links.set(link.id, link);
    }
  }
  const extra = workflow.extra;
  const hasGroupNodes =
    isRecord(extra) && isRecord(extra.groupNodes) && Object.keys(extra.groupNodes).length > 0;
  return { nodes, byId, links, hasGroupNodes };
}

/** The link stored in `graph.links[id]` for an input's `link` field, as LiteGraph looks it up. */
export function linkOf(graph: UiGraph, rawLink: unknown): UiLink | undefined {
  const id = idOf(rawLink);
  return id === null ? undefined : graph.links.get(id);
}
