/**
 * The graph as the frontend holds it after `loadGraphData`: each node's inputs merged with its class definition and
 * its widgets rebuilt from object_info and filled from `widgets_values`.
 */
import { describeValue, hasOwn, isRecord } from '../json.js';
import { displayName, getNodeClass, type NodeClassInfo, type ObjectInfo } from '../object-info.js';
import type { UiGraph, UiInputSlot, UiNode } from './ui-graph.js';
import { widgetLayout, type WidgetSlot } from './widget-layout.js';

/** UI-only node types the frontend registers itself; never sent to the server. */
export const virtualNodeTitles: Record<string, string> = {
  Reroute: 'Reroute',
  PrimitiveNode: 'Primitive',
  Note: 'Note',
  MarkdownNote: 'Markdown Note',
};

export const BYPASS_MODE = 4;
export const NEVER_MODE = 2;

export interface LiveWidget {
  slot: WidgetSlot;
  value: unknown;
  /** True when one of the node's inputs is this widget converted to a socket. */
  converted: boolean;
}

export interface LiveNode {
  ui: UiNode;
  id: string;
  classType: string;
  kind: 'real' | 'virtual' | 'missing';
  def?: NodeClassInfo;
  title: string;
  inputs: UiInputSlot[];
  widgets: LiveWidget[];
  /** Why this node's widgets could not be rebuilt, or why its `widgets_values` do not fit them. */
  problems: string[];
  /** Non-fatal notes (values filled in from defaults). */
  notes: string[];
}

export function isSkipped(node: LiveNode): boolean {
  return node.ui.mode === NEVER_MODE || node.ui.mode === BYPASS_MODE;
}

/** Real, neither muted nor bypassed: this node becomes an entry of the prompt. */
export function isEmitted(node: LiveNode): boolean {
  return node.kind === 'real' && !isSkipped(node);
}

const controlValues = new Set(['fixed', 'increment', 'decrement', 'randomize', 'increment-wrap']);

/**
 * The frontend's ComfyNode.configure keeps name and type of each input from the class definition by position; a
 * converted widget arriving where the definition has a socket wins (the socket is pushed out of the way).
 */
function mergeInputs(sockets: { name: string; type: string }[], incoming: UiInputSlot[]): UiInputSlot[] {
  const live: UiInputSlot[] = sockets.map((socket) => ({ name: socket.name, type: socket.type, link: null }));
  const merged = incoming.map((slot, index): UiInputSlot => {
    const current: Partial<UiInputSlot> = live[index] ?? {};
    if (current.widgetName === undefined && slot.widgetName !== undefined) {
      live.push({ name: current.name ?? '', type: current.type, link: null });
      return slot;
    }
    return {
      ...slot,
      ...(current.name !== undefined ? { name: current.name } : {}),
      type: current.type ?? slot.type,
    };
  });
  merged.forEach((slot, index) => (live[index] = slot));
  return live;
}

function valueFits(widget: WidgetSlot, value: unknown): boolean {
  switch (widget.kind) {
    case 'INT':
    case 'FLOAT':
      return typeof value === 'number' && Number.isFinite(value);
    case 'STRING':
      return typeof value === 'string';
    case 'BOOLEAN':
      return typeof value === 'boolean';
    case 'control':
      return typeof value === 'boolean' || (typeof value === 'string' && controlValues.has(value));
    default:
      return true;
  }
}

/** LiteGraph copies `widgets_values[i]` into widget i; the checks catch values meant for another ComfyUI version. */
function fillWidgets(node: LiveNode, widgets: WidgetSlot[]): void {
  const values = node.ui.widgetsValues;
  node.widgets = widgets.map((slot) => ({ slot, value: slot.defaultValue, converted: false }));
  // Values that matter: sent widgets, except the upload button whose value is always "image".
  const sent = node.widgets.filter(
    (w) => w.slot.serialize && w.slot.kind !== 'ui' && w.slot.kind !== 'upload',
  );
  if (Array.isArray(values)) {
    values.forEach((value, index) => {
      const widget = node.widgets[index];
      if (widget) widget.value = value;
    });
    if (values.length > widgets.length) {
      node.problems.push(
        `widgets_values has ${values.length} values but ${node.classType} has ${widgets.length} widgets on this ComfyUI server (the workflow was saved with a different version of the node)`,
      );
    }
    const missing = sent.filter((widget) => node.widgets.indexOf(widget) >= values.length);
    if (missing.length) {
      node.notes.push(
        `no saved value for ${missing.map((w) => w.slot.name).join(', ')}: the UI default is used`,
      );
    }
  } else if (isRecord(values)) {
    // Some custom nodes save widgets by name; only values for known widget names are taken.
    for (const widget of node.widgets) {
      if (Object.prototype.hasOwnProperty.call(values, widget.slot.name))
        widget.value = values[widget.slot.name];
    }
    const missing = sent.filter((widget) => !Object.prototype.hasOwnProperty.call(values, widget.slot.name));
    if (missing.length) {
      node.problems.push(
        `widgets_values is an object without ${missing.map((w) => `"${w.slot.name}"`).join(', ')}; cannot tell which values the node should get`,
      );
    }
  } else if (sent.length) {
    node.notes.push('the node has no widgets_values: UI defaults are used');
  }
  for (const [index, widget] of node.widgets.entries()) {
    // loadGraphData's fix-ups for old workflows.
    if (widget.slot.kind === 'control' && typeof widget.value === 'boolean') {
      widget.value = widget.value ? 'randomize' : 'fixed';
    }
    if (
      (node.classType === 'KSampler' || node.classType === 'KSamplerAdvanced') &&
      widget.slot.name === 'sampler_name' &&
      typeof widget.value === 'string' &&
      widget.value.startsWith('sample_')
    ) {
      widget.value = widget.value.slice(7);
    }
    if (!valueFits(widget.slot, widget.value)) {
      node.problems.push(
        `widget #${index} "${widget.slot.name}" (${widget.slot.kind}) got ${describeValue(widget.value)}; widgets_values do not line up with the inputs this ComfyUI server declares`,
      );
    }
  }
}

/** The widget layout depends only on the class: computed once per class, not once per node. */
type LayoutCache = Map<string, ReturnType<typeof widgetLayout>>;

function buildNode(ui: UiNode, objectInfo: ObjectInfo, layouts: LayoutCache): LiveNode {
  const virtualTitle = hasOwn(virtualNodeTitles, ui.type) ? virtualNodeTitles[ui.type] : undefined;
  const base = { ui, id: ui.id, classType: ui.type, inputs: ui.inputs, widgets: [], problems: [], notes: [] };
  if (virtualTitle !== undefined) return { ...base, kind: 'virtual', title: ui.title ?? virtualTitle };
  const def = getNodeClass(objectInfo, ui.type);
  if (!def) return { ...base, kind: 'missing', title: ui.title ?? ui.type };
  const node: LiveNode = { ...base, kind: 'real', def, title: ui.title ?? displayName(def, ui.type) };
  let layout = layouts.get(ui.type);
  if (!layout) {
    layout = widgetLayout(ui.type, def);
    layouts.set(ui.type, layout);
  }
  if (!layout.ok) {
    node.problems.push(layout.reason);
    return node;
  }
  node.inputs = mergeInputs(layout.sockets, ui.inputs);
  fillWidgets(node, layout.widgets);
  // onGraphConfigured hides each widget that has a converted input.
  for (const input of node.inputs) {
    if (input.widgetName === undefined) continue;
    const widget = node.widgets.find((w) => w.slot.name === input.widgetName);
    if (widget) widget.converted = true;
    else
      node.problems.push(
        `input "${input.name}" is a converted widget "${input.widgetName}" the class does not have`,
      );
  }
  return node;
}

export interface LiveGraph {
  ui: UiGraph;
  /** Workflow order. */
  nodes: LiveNode[];
  byId: Map<string, LiveNode>;
}

export function buildLiveGraph(graph: UiGraph, objectInfo: ObjectInfo): LiveGraph {
  const layouts: LayoutCache = new Map();
  const nodes = graph.nodes.map((ui) => buildNode(ui, objectInfo, layouts));
  return { ui: graph, nodes, byId: new Map(nodes.map((node) => [node.id, node])) };
}
