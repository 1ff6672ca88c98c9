/**
 * API prompt → a UI workflow (LiteGraph `serialize()`, version 0.4) the ComfyUI frontend can load, so a job that
 * only kept its API prompt can still be opened and edited in ComfyUI. Widgets are laid out from object_info in the
 * frontend's order (the same `widgetLayout` the UI → API converter reads them back with), so converting the result
 * with `convertUiWorkflow` gives the prompt back. Seeds come with `control_after_generate: 'fixed'`: the workflow
 * reproduces the image until the user asks for another seed.
 */
import { isApiLink, type ApiPrompt } from '../api-prompt.js';
import { isRecord } from '../json.js';
import { displayName, getNodeClass, outputTypes, type ObjectInfo } from '../object-info.js';
import { widgetLayout, type WidgetSlot } from './widget-layout.js';

type UiLinkTuple = [number, number | string, number, number | string, number, string];

interface UiInput {
  name: string;
  type: string;
  link: number | null;
  widget?: { name: string };
}

interface UiOutput {
  name: string;
  type: string;
  links: number[];
  slot_index: number;
}

export interface UiWorkflowNode {
  id: number | string;
  type: string;
  title?: string;
  pos: [number, number];
  size: [number, number];
  flags: Record<string, never>;
  order: number;
  mode: 0;
  inputs: UiInput[];
  outputs: UiOutput[];
  properties: Record<string, unknown>;
  widgets_values: unknown[];
}

export interface UiWorkflow {
  last_node_id: number;
  last_link_id: number;
  nodes: UiWorkflowNode[];
  links: UiLinkTuple[];
  groups: [];
  config: Record<string, never>;
  extra: { ds: { scale: number; offset: [number, number] } };
  version: 0.4;
}

const columnWidth = 400;
const rowGap = 40;
const nodeWidth = 315;

/** LiteGraph ids are numbers; a prompt's numeric string ids become numbers again, others stay as they are. */
function uiId(id: string): number | string {
  return /^\d{1,15}$/.test(id) ? Number(id) : id;
}

/** Node ids in execution order (sources first, ties in prompt order), and each node's column (its depth). */
function orderAndColumns(prompt: ApiPrompt): { order: string[]; column: Map<string, number> } {
  const ids = Object.keys(prompt);
  const parents = new Map<string, string[]>();
  const children = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const id of ids) {
    const sources = Object.values(prompt[id]?.inputs ?? {})
      .filter(isApiLink)
      .map(([source]) => source)
      .filter((source) => children.has(source) && source !== id);
    parents.set(id, sources);
    for (const source of sources) children.get(source)?.push(id);
  }
  const remaining = new Map(ids.map((id) => [id, parents.get(id)?.length ?? 0]));
  const column = new Map<string, number>();
  const order: string[] = [];
  const ready = ids.filter((id) => remaining.get(id) === 0);
  for (let next = 0, id = ready[0]; id !== undefined; id = ready[++next]) {
    order.push(id);
    const depth = (parents.get(id) ?? []).reduce((max, p) => Math.max(max, (column.get(p) ?? 0) + 1), 0);
    column.set(id, depth);
    for (const child of children.get(id) ?? []) {
      const left = (remaining.get(child) ?? 0) - 1;
      remaining.set(child, left);
      if (left === 0) ready.push(child);
    }
  }
  // A cycle (which ComfyUI refuses anyway): its nodes go last, in one more column.
  const last = [...column.values()].reduce((max, c) => Math.max(max, c), 0) + 1;
  for (const id of ids) {
    if (column.has(id)) continue;
    order.push(id);
    column.set(id, last);
  }
  return { order, column };
}

/** The value the frontend stores for a widget, from the prompt's input of that name. */
function widgetValue(slot: WidgetSlot, inputs: Record<string, unknown>): unknown {
  const value = Object.prototype.hasOwnProperty.call(inputs, slot.name) ? inputs[slot.name] : undefined;
  switch (slot.kind) {
    case 'control':
      return 'fixed';
    case 'filter':
      return '';
    case 'upload':
      return typeof value === 'string' ? value : 'image';
    case 'ui':
      return null;
    default:
      return value === undefined || isApiLink(value) ? (slot.defaultValue ?? null) : value;
  }
}

class Builder {
  readonly links: UiLinkTuple[] = [];
  private readonly outputs = new Map<string, UiOutput[]>();

  constructor(
    private readonly prompt: ApiPrompt,
    private readonly objectInfo: ObjectInfo,
  ) {}

  outputsOf(id: string): UiOutput[] {
    let outputs = this.outputs.get(id);
    if (outputs) return outputs;
    const node = this.prompt[id];
    const def = node ? getNodeClass(this.objectInfo, node.class_type) : undefined;
    const names = Array.isArray(def?.output_name) ? (def.output_name as unknown[]) : [];
    outputs = (def ? outputTypes(def) : []).map((type, slot) => ({
      name: typeof names[slot] === 'string' ? names[slot] : type,
      type,
      links: [],
      slot_index: slot,
    }));
    this.outputs.set(id, outputs);
    return outputs;
  }

  /** A link from `[source, slot]` into `target`'s input number `targetSlot`; null when the source is not in the prompt. */
  link(source: unknown, target: string, targetSlot: number): number | null {
    if (!isApiLink(source) || !this.prompt[source[0]] || source[1] < 0) return null;
    const [origin, originSlot] = source;
    const outputs = this.outputsOf(origin);
    // A class missing from object_info: its outputs are made up as far as links need them.
    while (outputs.length <= originSlot && outputs.length < 1_000) {
      outputs.push({ name: '*', type: '*', links: [], slot_index: outputs.length });
    }
    const output = outputs[originSlot];
    if (!output) return null;
    const id = this.links.length + 1;
    output.links.push(id);
    this.links.push([id, uiId(origin), originSlot, uiId(target), targetSlot, output.type]);
    return id;
  }

  inputsAndWidgets(id: string): { inputs: UiInput[]; widgets_values: unknown[] } {
    const node = this.prompt[id];
    const values = isRecord(node?.inputs) ? node.inputs : {};
    const def = node ? getNodeClass(this.objectInfo, node.class_type) : undefined;
    const layout = def && node ? widgetLayout(node.class_type, def) : undefined;
    const inputs: UiInput[] = [];
    if (!layout?.ok) {
      // Unknown class: links become sockets and literal values widgets, in the prompt's order.
      const widgets: unknown[] = [];
      for (const [name, value] of Object.entries(values)) {
        if (isApiLink(value)) {
          inputs.push({ name, type: '*', link: this.link(value, id, inputs.length) });
        } else {
          widgets.push(value);
        }
      }
      return { inputs, widgets_values: widgets };
    }
    for (const socket of layout.sockets) {
      inputs.push({
        name: socket.name,
        type: socket.type,
        link: this.link(values[socket.name], id, inputs.length),
      });
    }
    // A widget fed by a link is a widget converted to a socket, after the class's own sockets.
    for (const slot of layout.widgets) {
      const value = values[slot.name];
      if (!slot.spec || !isApiLink(value)) continue;
      const link = this.link(value, id, inputs.length);
      if (link !== null)
        inputs.push({ name: slot.name, type: slot.spec.type, link, widget: { name: slot.name } });
    }
    return { inputs, widgets_values: layout.widgets.map((slot) => widgetValue(slot, values)) };
  }
}

/**
 * The UI workflow of an API prompt: its nodes in execution order, laid out in columns by depth, widgets in the
 * order object_info gives them. A class missing from object_info keeps its links and literal values (ComfyUI will
 * show it as missing, as it would the original). Never throws on a well-formed prompt.
 */
export function apiPromptToUiWorkflow(prompt: ApiPrompt, objectInfo: ObjectInfo): UiWorkflow {
  const builder = new Builder(prompt, objectInfo);
  const { order, column } = orderAndColumns(prompt);
  const rowOffset = new Map<number, number>();
  const nodes = order.map((id, index): UiWorkflowNode => {
    const entry = prompt[id] as ApiPrompt[string];
    const { inputs, widgets_values } = builder.inputsAndWidgets(id);
    const col = column.get(id) ?? 0;
    const height = 46 + 24 * Math.max(inputs.length, 1) + 26 * widgets_values.length;
    const y = rowOffset.get(col) ?? 50;
    rowOffset.set(col, y + height + rowGap);
    const def = getNodeClass(objectInfo, entry.class_type);
    const title = entry._meta?.title;
    return {
      id: uiId(id),
      type: entry.class_type,
      ...(typeof title === 'string' && title !== displayName(def, entry.class_type) ? { title } : {}),
      pos: [50 + col * columnWidth, y],
      size: [nodeWidth, height],
      flags: {},
      order: index,
      mode: 0,
      inputs,
      outputs: [],
      properties: { 'Node name for S&R': entry.class_type },
      widgets_values,
    };
  });
  // Outputs last: every link into them is known now.
  for (const node of nodes) node.outputs = builder.outputsOf(String(node.id));
  const lastId = nodes.reduce(
    (max, n) => (typeof n.id === 'number' ? Math.max(max, n.id) : max),
    nodes.length,
  );
  return {
    last_node_id: lastId,
    last_link_id: builder.links.length,
    nodes,
    links: builder.links,
    groups: [],
    config: {},
    extra: { ds: { scale: 1, offset: [0, 0] } },
    version: 0.4,
  };
}
