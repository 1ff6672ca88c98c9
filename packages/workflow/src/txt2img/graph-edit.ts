/** Small edits on API prompts: add nodes, find and move the links that read an output. */
import type { ApiLink, ApiPrompt } from '../api-prompt.js';
import { isApiLink } from '../api-prompt.js';
import {
  getNodeClass,
  inputSection,
  isWidgetValueType,
  parseInputSpec,
  widgetDefault,
  type ObjectInfo,
} from '../object-info.js';

export function nextNodeId(prompt: ApiPrompt): string {
  const numeric = Object.keys(prompt)
    .map(Number)
    .filter((id) => Number.isInteger(id));
  return String(Math.max(0, ...numeric) + 1);
}

export function addNode(prompt: ApiPrompt, classType: string, inputs: Record<string, unknown>): string {
  const id = nextNodeId(prompt);
  prompt[id] = { inputs, class_type: classType };
  return id;
}

/** Every `(node, input)` that reads `source`. */
export function readersOf(prompt: ApiPrompt, source: ApiLink): { node: string; input: string }[] {
  const readers: { node: string; input: string }[] = [];
  for (const [node, entry] of Object.entries(prompt)) {
    for (const [input, value] of Object.entries(entry.inputs)) {
      if (isApiLink(value) && value[0] === source[0] && value[1] === source[1]) readers.push({ node, input });
    }
  }
  return readers;
}

export function relink(prompt: ApiPrompt, readers: { node: string; input: string }[], to: ApiLink): void {
  for (const { node, input } of readers) {
    const entry = prompt[node];
    if (entry) entry.inputs[input] = [...to];
  }
}

/** The widget inputs of a class at their UI defaults — so optional custom nodes need no hard-coded values. */
export function defaultWidgetInputs(objectInfo: ObjectInfo, classType: string): Record<string, unknown> {
  const def = getNodeClass(objectInfo, classType);
  const values: Record<string, unknown> = {};
  if (!def) return values;
  for (const [name, raw] of Object.entries(inputSection(def, 'required'))) {
    const spec = parseInputSpec(raw);
    if (spec && isWidgetValueType(spec.type)) values[name] = widgetDefault(spec);
  }
  return values;
}

/** The name of the class's (first) socket input of `type`, e.g. DetailDaemonSamplerNode's SAMPLER input. */
export function socketInputOfType(
  objectInfo: ObjectInfo,
  classType: string,
  type: string,
): string | undefined {
  const def = getNodeClass(objectInfo, classType);
  if (!def) return undefined;
  for (const section of ['required', 'optional'] as const) {
    for (const [name, raw] of Object.entries(inputSection(def, section))) {
      if (parseInputSpec(raw)?.type === type) return name;
    }
  }
  return undefined;
}

export function nodesOfClass(prompt: ApiPrompt, classType: string): string[] {
  return Object.entries(prompt)
    .filter(([, entry]) => entry.class_type === classType)
    .map(([id]) => id);
}
