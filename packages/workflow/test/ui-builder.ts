/**
 * Builds UI workflows the way the ComfyUI frontend serializes them (LiteGraph v0.4 JSON): socket inputs in class
 * order, converted widgets appended as inputs with `widget: {name}`, links as 6-element arrays.
 */
import type { ObjectInfo } from '../src/index.js';

interface Slot {
  name: string;
  type: unknown;
  link?: number | null;
  links?: number[] | null;
  widget?: { name: string };
  slot_index?: number;
}

export interface UiNodeJson {
  id: number;
  type: string;
  mode: number;
  title?: string;
  inputs: Slot[];
  outputs: Slot[];
  properties: Record<string, unknown>;
  widgets_values?: unknown;
}

export interface NodeOptions {
  widgets?: unknown;
  mode?: number;
  title?: string;
  /** Widgets converted to sockets (appended after the class's socket inputs). */
  convert?: string[];
  properties?: Record<string, unknown>;
}

const widgetTypes = new Set(['INT', 'FLOAT', 'STRING', 'BOOLEAN']);

export class UiBuilder {
  private readonly nodes: UiNodeJson[] = [];
  private readonly links: unknown[][] = [];
  private nextLink = 1;

  constructor(private readonly objectInfo: ObjectInfo) {}

  /** A node of a class from object_info (or of an unknown class: no slots unless given). */
  node(id: number, type: string, options: NodeOptions = {}): this {
    const def = this.objectInfo[type];
    const inputs: Slot[] = [];
    const outputs: Slot[] = [];
    if (def) {
      const all = { ...def.input?.required, ...def.input?.optional };
      for (const [name, spec] of Object.entries(all)) {
        const kind = (spec as unknown[])[0];
        if (!Array.isArray(kind) && typeof kind === 'string' && !widgetTypes.has(kind)) {
          inputs.push({ name, type: kind, link: null });
        }
      }
      for (const name of options.convert ?? []) {
        const kind = (all[name] as unknown[])[0];
        inputs.push({ name, type: Array.isArray(kind) ? 'COMBO' : kind, widget: { name }, link: null });
      }
      const types = def.output ?? [];
      types.forEach((kind, index) =>
        outputs.push({ name: String(kind), type: kind, links: null, slot_index: index }),
      );
    }
    this.nodes.push({
      id,
      type,
      mode: options.mode ?? 0,
      ...(options.title !== undefined ? { title: options.title } : {}),
      inputs,
      outputs,
      properties: options.properties ?? { 'Node name for S&R': type },
      ...(options.widgets !== undefined ? { widgets_values: options.widgets } : {}),
    });
    return this;
  }

  reroute(id: number, mode = 0): this {
    this.nodes.push({
      id,
      type: 'Reroute',
      mode,
      inputs: [{ name: '', type: '*', link: null }],
      outputs: [{ name: '', type: '*', links: null }],
      properties: { showOutputText: false, horizontal: false },
      widgets_values: null,
    });
    return this;
  }

  primitive(
    id: number,
    values: unknown[],
    outputType: string,
    properties: Record<string, unknown> = {},
  ): this {
    this.nodes.push({
      id,
      type: 'PrimitiveNode',
      mode: 0,
      inputs: [],
      outputs: [{ name: outputType, type: outputType, links: null, widget: { name: 'value' } }],
      properties: { 'Run widget replace on values': false, ...properties },
      widgets_values: values,
    });
    return this;
  }

  raw(node: UiNodeJson): this {
    this.nodes.push(node);
    return this;
  }

  /** Connects `from` output slot to the input named `input` of `to` (socket or converted widget). */
  link(from: number, fromSlot: number, to: number, input: string, type = '*'): this {
    const source = this.find(from);
    const target = this.find(to);
    const slot = target.inputs.findIndex((i) => i.name === input);
    if (slot < 0) throw new Error(`node ${to} has no input ${input}`);
    const id = this.nextLink++;
    const out = (source.outputs[fromSlot] ??= { name: '', type, links: null });
    out.links = [...(out.links ?? []), id];
    const into = target.inputs[slot];
    if (into) into.link = id;
    this.links.push([id, from, fromSlot, to, slot, type]);
    return this;
  }

  build(): Record<string, unknown> {
    return {
      last_node_id: Math.max(0, ...this.nodes.map((n) => n.id)),
      last_link_id: this.nextLink - 1,
      nodes: structuredClone(this.nodes),
      links: structuredClone(this.links),
      groups: [],
      config: {},
      extra: { ds: { scale: 1, offset: [0, 0] } },
      version: 0.4,
    };
  }

  private find(id: number): UiNodeJson {
    const node = this.nodes.find((n) => n.id === id);
    if (!node) throw new Error(`no node ${id}`);
    return node;
  }
}
