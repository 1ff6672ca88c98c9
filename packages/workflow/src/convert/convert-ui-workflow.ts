/**
 * UI workflow → API prompt, following the ComfyUI frontend's `graphToPrompt` (v1.4.x) step by step so the result
 * is the prompt the real UI would queue — or a `WorkflowConversionError` naming each node it cannot convert.
 */
import type { ApiNode, ApiPrompt } from '../api-prompt.js';
import { describeValue, hasOwn, isRecord } from '../json.js';
import type { ObjectInfo } from '../object-info.js';
import { WorkflowConversionError, type ConversionIssue, type ConversionWarning } from './conversion-error.js';
import { DynamicPromptError, rescanBudget, resolveDynamicPrompt } from './dynamic-prompts.js';
import { executionOrder } from './execution-order.js';
import {
  BYPASS_MODE,
  buildLiveGraph,
  isEmitted,
  isSkipped,
  NEVER_MODE,
  type LiveGraph,
  type LiveNode,
  type LiveWidget,
} from './live-graph.js';
import { floatWidgetValue, intWidgetValue } from './number-widgets.js';
import {
  applyTextReplacements,
  replacementBudget,
  ReplacementNodes,
  TextReplacementError,
} from './text-replacements.js';
import { linkOf, readUiGraph, type UiLink } from './ui-graph.js';

export interface ConvertOptions {
  /**
   * Add `_meta: {title}` to each node, as the v1.4 frontend does only with its `Comfy.DevMode` setting on
   * (newer frontends always do). Default false.
   */
  includeMeta?: boolean;
  /** Random source for `{a|b}` dynamic prompts; default Math.random. */
  random?: () => number;
  /** Clock for `%date:…%` in file name prefixes; default the current time. */
  now?: () => Date;
}

export interface ConvertResult {
  prompt: ApiPrompt;
  warnings: ConversionWarning[];
}

/** Save nodes whose `filename_prefix` the frontend runs through its `%…%` replacement. */
const saveNodeTypes = new Set([
  'SaveImage',
  'SaveAnimatedWEBP',
  'SaveWEBM',
  'SaveAudio',
  'SaveAnimatedPNG',
  'SaveGLB',
  'SaveVideo',
  'CLIPSave',
  'VAESave',
  'ModelSave',
  'LoraSave',
  'SaveLatent',
]);

const replaceProperty = 'Run widget replace on values';

/** Steps through Reroutes and bypassed nodes for the whole workflow: real ones take a few per input. */
const maxHops = 20_000;

class Conversion {
  readonly issues: ConversionIssue[] = [];
  readonly warnings: ConversionWarning[] = [];
  /** PrimitiveNode id → the value its widget holds. */
  private readonly primitiveValues = new Map<string, unknown>();
  private readonly random: () => number;
  private readonly now: () => Date;
  private readonly rescanBudget = rescanBudget();
  private readonly replacementBudget = replacementBudget();
  private replacements: ReplacementNodes | undefined;
  private hopsLeft = maxHops;
  private hopsExhausted = false;

  constructor(
    private readonly graph: LiveGraph,
    private readonly options: ConvertOptions,
  ) {
    this.random = options.random ?? Math.random;
    this.now = options.now ?? (() => new Date());
  }

  issue(node: LiveNode | null, reason: string): void {
    this.issues.push({ nodeId: node?.id ?? null, nodeType: node?.classType ?? null, reason });
  }

  warn(node: LiveNode | null, message: string): void {
    this.warnings.push({ nodeId: node?.id ?? null, nodeType: node?.classType ?? null, message });
  }

  checkNodes(): void {
    for (const node of this.graph.nodes) {
      if (node.kind === 'missing') {
        const groupNode = node.classType.startsWith('workflow/') || node.classType.startsWith('workflow>');
        if (isSkipped(node)) continue;
        this.issue(
          node,
          groupNode
            ? 'group nodes are not supported; convert the group node back to its nodes in the UI'
            : `node type "${node.classType}" is not installed on the ComfyUI server (missing from object_info)`,
        );
      }
      if (!isEmitted(node)) continue;
      for (const problem of node.problems) this.issue(node, problem);
      for (const note of node.notes) this.warn(node, note);
    }
  }

  /** The value a PrimitiveNode's widget holds after load. */
  private primitiveValue(node: LiveNode, targets: UiLink[]): unknown {
    const values = node.ui.widgetsValues;
    if (Array.isArray(values) && values.length > 0) return values[0];
    // Without saved values the frontend copies the first target's widget.
    const first = targets[0];
    const input = first ? this.graph.byId.get(first.targetId)?.inputs[first.targetSlot] : undefined;
    const target = first ? this.graph.byId.get(first.targetId) : undefined;
    return target?.widgets.find((w) => w.slot.name === input?.widgetName)?.value;
  }

  /** The links a PrimitiveNode feeds, looking through Reroutes (depth first, without recursion). */
  private primitiveTargets(node: LiveNode): UiLink[] {
    const links: UiLink[] = [];
    const seen = new Set<string>([node.id]);
    const stack = [{ ids: node.ui.outputLinks[0] ?? [], next: 0 }];
    for (let frame = stack[0]; frame; frame = stack[stack.length - 1]) {
      const linkId = frame.ids[frame.next++];
      if (linkId === undefined) {
        stack.pop();
        continue;
      }
      const link = this.graph.ui.links.get(linkId);
      if (!link) continue;
      const target = this.graph.byId.get(link.targetId);
      if (target?.classType !== 'Reroute') {
        links.push(link);
      } else if (!seen.has(target.id) && this.hop(node)) {
        seen.add(target.id);
        stack.push({ ids: target.ui.outputLinks[0] ?? [], next: 0 });
      }
    }
    return links;
  }

  /** Counts one step through a Reroute or bypassed node; false (with an issue, once) when the budget is spent. */
  private hop(node: LiveNode, steps = 1): boolean {
    this.hopsLeft -= steps;
    if (this.hopsLeft >= 0) return true;
    if (!this.hopsExhausted) {
      this.hopsExhausted = true;
      this.issue(node, `links run through Reroute or bypassed nodes more than ${maxHops} times in all`);
    }
    return false;
  }

  /** PrimitiveNode.applyToGraph: copy the value into each target widget and run the widget's callback. */
  applyPrimitives(order: LiveNode[]): void {
    for (const node of order) {
      if (node.classType !== 'PrimitiveNode') continue;
      const targets = this.primitiveTargets(node);
      if (!targets.length) continue;
      let value = this.primitiveValue(node, targets);
      this.primitiveValues.set(node.id, value);
      if (value && node.ui.properties[replaceProperty] === true && typeof value === 'string') {
        const replaced = this.replaceText(node, value);
        if (replaced === undefined) continue;
        value = replaced;
      }
      for (const link of targets) {
        const target = this.graph.byId.get(link.targetId);
        const input = target?.inputs[link.targetSlot];
        if (!target || !input) {
          this.issue(node, `its link ${link.id} goes to a node input that does not exist`);
          continue;
        }
        if (input.widgetName === undefined) {
          this.issue(
            node,
            `it feeds input "${input.name}" of node ${target.id}, which is not a widget input`,
          );
          continue;
        }
        const widget = target.widgets.find((w) => w.slot.name === input.widgetName);
        if (!widget) continue;
        const applied = this.callbackValue(widget, value);
        if (applied === undefined) {
          this.issue(
            node,
            `its value ${JSON.stringify(value)} is not a number, but it feeds "${widget.slot.name}"`,
          );
          continue;
        }
        widget.value = applied.value;
      }
    }
  }

  private callbackValue(widget: LiveWidget, value: unknown): { value: unknown } | undefined {
    const spec = widget.slot.spec;
    if (widget.slot.kind === 'INT' && spec) {
      return typeof value === 'number' ? { value: intWidgetValue(spec, value) } : undefined;
    }
    if (widget.slot.kind === 'FLOAT' && spec) {
      return typeof value === 'number' ? { value: floatWidgetValue(spec, value) } : undefined;
    }
    return { value };
  }

  /** `%Node.widget%` replacement; undefined (with an issue) when it would grow past the budget. */
  private replaceText(node: LiveNode, value: string): string | undefined {
    try {
      return applyTextReplacements(value, this.replacementNodes(), this.now(), this.replacementBudget);
    } catch (error) {
      if (!(error instanceof TextReplacementError)) throw error;
      this.issue(node, error.message);
      return undefined;
    }
  }

  /** Built once: the widget values it reads are looked up when a replacement runs. */
  private replacementNodes(): ReplacementNodes {
    this.replacements ??= new ReplacementNodes(
      this.graph.nodes.map((node) => ({
        title: node.title,
        properties: node.ui.properties,
        widgetValue: (name: string) => {
          if (node.classType === 'PrimitiveNode') {
            return name === 'value' && this.primitiveValues.has(node.id)
              ? { found: true, value: this.primitiveValues.get(node.id) }
              : { found: false, value: undefined };
          }
          const widget = node.widgets.find((w) => w.slot.name === name);
          return widget ? { found: true, value: widget.value } : { found: false, value: undefined };
        },
      })),
    );
    return this.replacements;
  }

  private serializeWidget(node: LiveNode, widget: LiveWidget): unknown {
    if (widget.slot.kind === 'ui') return undefined;
    if (widget.converted) {
      // A converted widget is only sent while its socket is connected.
      const input = node.inputs.find((i) => i.widgetName === widget.slot.name);
      if (!input?.link) {
        this.warn(
          node,
          `input "${widget.slot.name}" was converted to a socket but is not connected, so it is not sent`,
        );
        return undefined;
      }
    }
    const value = widget.value;
    if (typeof value !== 'string') return value;
    if (saveNodeTypes.has(node.classType) && widget.slot.name === 'filename_prefix') {
      return this.replaceText(node, value);
    }
    if (widget.slot.dynamicPrompts) {
      try {
        return resolveDynamicPrompt(value, this.random, this.rescanBudget);
      } catch (error) {
        if (error instanceof DynamicPromptError) this.issue(node, error.message);
        else throw error;
      }
    }
    return value;
  }

  /** `getInputLink(slot)` of LiteGraph. */
  private inputLink(node: LiveNode, slot: number): UiLink | undefined {
    const input = node.inputs[slot];
    return input ? linkOf(this.graph.ui, input.link) : undefined;
  }

  /**
   * Follows an input's link back through Reroutes (UI-only) and bypassed nodes (mode 4: the bypassed node passes
   * on its input of the same type as the consumer's input) to the node that really produces the value.
   */
  private resolveInput(node: LiveNode, index: number): UiLink | undefined {
    const input = node.inputs[index];
    if (!input || input.link === null || input.link === undefined) return undefined;
    const first = linkOf(this.graph.ui, input.link);
    if (!first) {
      this.issue(
        node,
        `input "${input.name}" refers to link ${describeValue(input.link)}, which the workflow does not contain`,
      );
      return undefined;
    }
    let parent = this.graph.byId.get(first.originId);
    if (!parent) {
      this.issue(
        node,
        `input "${input.name}" is linked to node ${first.originId}, which is not in the workflow`,
      );
      return undefined;
    }
    let link: UiLink | undefined = first;
    const visited = new Set<LiveNode>();
    while (parent.ui.mode === BYPASS_MODE || parent.kind === 'virtual') {
      if (visited.has(parent)) {
        this.issue(node, `input "${input.name}" runs into a loop of Reroute or bypassed nodes`);
        return undefined;
      }
      visited.add(parent);
      if (!this.hop(node)) return undefined;
      let found = false;
      if (parent.kind === 'virtual') {
        link = link ? this.inputLink(parent, link.originSlot) : undefined;
        if (link) {
          const next = this.graph.byId.get(link.originId);
          if (!next) {
            this.issue(parent, `its input is linked to node ${link.originId}, which is not in the workflow`);
            return undefined;
          }
          parent = next;
          found = true;
        }
      } else if (link) {
        const bypassed: LiveNode = parent;
        const candidates: (number | string)[] = [link.originSlot, ...Object.keys(bypassed.inputs)];
        if (!this.hop(node, candidates.length)) return undefined;
        for (const candidate of candidates) {
          const slot = Number(candidate);
          if (bypassed.inputs[slot]?.type !== input.type) continue;
          link = this.inputLink(bypassed, slot);
          // The matching input is not connected: nothing reaches the consumer.
          if (!link) return undefined;
          const next = this.graph.byId.get(link.originId);
          if (!next) {
            this.issue(
              bypassed,
              `its input #${slot} is linked to node ${link.originId}, which is not in the workflow`,
            );
            return undefined;
          }
          parent = next;
          found = true;
          break;
        }
      }
      if (!found) break;
    }
    return link;
  }

  buildPrompt(order: LiveNode[]): ApiPrompt {
    const output: ApiPrompt = {};
    for (const node of order) {
      if (!isEmitted(node)) continue;
      const inputs: Record<string, unknown> = {};
      for (const widget of node.widgets) {
        if (!widget.slot.serialize) continue;
        inputs[widget.slot.name] = this.serializeWidget(node, widget);
      }
      node.inputs.forEach((input, index) => {
        const link = this.resolveInput(node, index);
        if (link) inputs[input.name] = [link.originId, link.originSlot];
      });
      const entry: ApiNode = { inputs, class_type: node.classType };
      if (this.options.includeMeta) entry._meta = { title: node.title };
      output[node.id] = entry;
    }
    this.removeDanglingLinks(output);
    return output;
  }

  /** The frontend's last step: drop inputs whose source is not in the prompt (muted, or bypassed without a match). */
  private removeDanglingLinks(output: ApiPrompt): void {
    for (const [id, entry] of Object.entries(output)) {
      const node = this.graph.byId.get(id) ?? null;
      for (const [name, value] of Object.entries(entry.inputs)) {
        if (value === undefined) {
          delete entry.inputs[name];
          continue;
        }
        if (!Array.isArray(value) || value.length !== 2 || hasOwn(output, String(value[0]))) continue;
        delete entry.inputs[name];
        const source = this.graph.byId.get(String(value[0]));
        const why =
          source?.ui.mode === NEVER_MODE
            ? 'is muted'
            : source?.ui.mode === BYPASS_MODE
              ? 'is bypassed and has no input of the same type to pass on'
              : 'does not run';
        this.warn(node, `input "${name}" is left out: its source node ${String(value[0])} ${why}`);
      }
    }
  }
}

/**
 * Converts a UI workflow (what the ComfyUI frontend saves) to an API prompt, exactly as the frontend's
 * `graphToPrompt` would, using `objectInfo` to map `widgets_values` to input names.
 *
 * @throws WorkflowConversionError listing every node it cannot convert (the API answers 422 with them).
 */
export function convertUiWorkflow(
  workflow: unknown,
  objectInfo: ObjectInfo,
  options: ConvertOptions = {},
): ConvertResult {
  if (!isRecord(objectInfo)) throw new TypeError('objectInfo must be the GET /object_info object');
  const parseIssues: ConversionIssue[] = [];
  const uiGraph = readUiGraph(workflow, parseIssues);
  if (!uiGraph || parseIssues.length) throw new WorkflowConversionError(parseIssues);
  const graph = buildLiveGraph(uiGraph, objectInfo);
  const conversion = new Conversion(graph, options);
  conversion.checkNodes();
  if (conversion.issues.length) throw new WorkflowConversionError(conversion.issues);
  const order = executionOrder(uiGraph)
    .map((ui) => graph.byId.get(ui.id))
    .filter((node): node is LiveNode => node !== undefined);
  conversion.applyPrimitives(order);
  const prompt = conversion.buildPrompt(order);
  if (!conversion.issues.length && Object.keys(prompt).length === 0) {
    conversion.issue(null, 'the workflow has no node that would run (all are muted, bypassed or UI-only)');
  }
  if (conversion.issues.length) throw new WorkflowConversionError(conversion.issues);
  return { prompt, warnings: conversion.warnings };
}
