/** Checks an API prompt against object_info the way ComfyUI's validation would, without a server round trip. */
import type { ApiPrompt } from './api-prompt.js';
import { describeValue, hasOwn, isRecord } from './json.js';
import {
  findInputSpec,
  getNodeClass,
  inputSection,
  outputTypes,
  parseInputSpec,
  type ComboValue,
  type InputSpec,
  type NodeClassInfo,
  type ObjectInfo,
} from './object-info.js';

export type PromptProblemKind =
  | 'invalid_node'
  | 'missing_class'
  | 'unknown_input'
  | 'missing_input'
  | 'value_not_in_list'
  | 'invalid_value'
  | 'bad_link'
  | 'type_mismatch';

export interface PromptProblem {
  nodeId: string;
  classType: string | null;
  kind: PromptProblemKind;
  input?: string;
  value?: unknown;
  /** For `value_not_in_list`: what the server offers. */
  allowed?: ComboValue[];
  message: string;
}

function typesMatch(received: string, expected: string): boolean {
  if (received === '*' || expected === '*' || received === expected) return true;
  const left = received.split(',');
  const right = expected.split(',');
  return left.some((type) => right.includes(type));
}

function checkLiteral(
  spec: InputSpec,
  value: unknown,
): Omit<PromptProblem, 'nodeId' | 'classType' | 'input'> | null {
  if (spec.type === 'COMBO') {
    // Upload inputs (LoadImage & co.) are checked by the node's own VALIDATE_INPUTS (does the file exist?),
    // never against the list, which holds only the input folder's top level.
    if (spec.options.image_upload === true && typeof value === 'string') return null;
    const allowed = spec.comboValues ?? [];
    if (allowed.includes(value as ComboValue)) return null;
    return {
      kind: 'value_not_in_list',
      value,
      allowed,
      message: allowed.length
        ? `${describeValue(value)} is not one of the ${allowed.length} values the server offers`
        : `${describeValue(value)} is not available: the server offers no values here`,
    };
  }
  if (spec.type === 'INT' || spec.type === 'FLOAT') {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return { kind: 'invalid_value', value, message: `expects a number, got ${describeValue(value)}` };
    }
    if (spec.type === 'INT' && !Number.isInteger(value)) {
      return { kind: 'invalid_value', value, message: `expects an integer, got ${value}` };
    }
    const { min, max } = spec.options;
    if (typeof min === 'number' && value < min) {
      return { kind: 'invalid_value', value, message: `${value} is below the minimum ${min}` };
    }
    if (typeof max === 'number' && value > max) {
      return { kind: 'invalid_value', value, message: `${value} is above the maximum ${max}` };
    }
    return null;
  }
  if (spec.type === 'STRING' && typeof value !== 'string') {
    return { kind: 'invalid_value', value, message: `expects a string, got ${describeValue(value)}` };
  }
  if (spec.type === 'BOOLEAN' && typeof value !== 'boolean') {
    return { kind: 'invalid_value', value, message: `expects true or false, got ${describeValue(value)}` };
  }
  return null;
}

function checkLink(
  prompt: ApiPrompt,
  objectInfo: ObjectInfo,
  spec: InputSpec | null,
  value: unknown[],
): Omit<PromptProblem, 'nodeId' | 'classType' | 'input'> | null {
  const [originId, slot] = value;
  if (typeof originId !== 'string' || typeof slot !== 'number' || !Number.isInteger(slot) || slot < 0) {
    return {
      kind: 'bad_link',
      value,
      message: `a link must be ["<node id>", <output index>], got ${describeValue(value)}`,
    };
  }
  const origin = hasOwn(prompt, originId) ? prompt[originId] : undefined;
  if (!isRecord(origin))
    return { kind: 'bad_link', value, message: `is linked to node ${originId}, which is not in the prompt` };
  const originDef =
    typeof origin.class_type === 'string' ? getNodeClass(objectInfo, origin.class_type) : undefined;
  if (!originDef) return null; // the origin's own problem is reported on it
  const outputs = outputTypes(originDef);
  const received = outputs[slot];
  if (received === undefined) {
    return {
      kind: 'bad_link',
      value,
      message: `is linked to output ${slot} of node ${originId}, which has ${outputs.length} outputs`,
    };
  }
  if (spec && spec.type !== 'COMBO' && received !== 'COMBO' && !typesMatch(received, spec.type)) {
    return {
      kind: 'type_mismatch',
      value,
      message: `expects ${spec.type} but is linked to a ${received} output of node ${originId}`,
    };
  }
  return null;
}

/** The UI sends LoadImage's upload button as `upload: "image"`; the server ignores it. */
function isUploadButton(def: NodeClassInfo, input: string): boolean {
  if (input !== 'upload') return false;
  return Object.values(inputSection(def, 'required')).some((raw) => {
    const options = parseInputSpec(raw)?.options;
    return options?.image_upload === true || options?.audio_upload === true;
  });
}

/**
 * Lists what ComfyUI would reject in `prompt`: node classes it lacks, inputs it does not know, required inputs
 * left out, values outside a combo list (e.g. a checkpoint no longer installed) or bounds, and broken links.
 * An empty list means the prompt fits this server.
 */
export function checkPromptAgainstObjectInfo(prompt: ApiPrompt, objectInfo: ObjectInfo): PromptProblem[] {
  const problems: PromptProblem[] = [];
  for (const [nodeId, node] of Object.entries(prompt as Record<string, unknown>)) {
    if (!isRecord(node) || typeof node.class_type !== 'string') {
      problems.push({
        nodeId,
        classType: null,
        kind: 'invalid_node',
        message: 'a node needs a "class_type" string',
      });
      continue;
    }
    const classType = node.class_type;
    const def = getNodeClass(objectInfo, classType);
    if (!def) {
      problems.push({
        nodeId,
        classType,
        kind: 'missing_class',
        message: `node class "${classType}" is not installed`,
      });
      continue;
    }
    const inputs = isRecord(node.inputs) ? node.inputs : {};
    for (const [input, value] of Object.entries(inputs)) {
      const found = findInputSpec(def, input);
      if (!found && isUploadButton(def, input)) continue;
      if (!found) {
        problems.push({
          nodeId,
          classType,
          kind: 'unknown_input',
          input,
          message: `${classType} has no input "${input}"`,
        });
        continue;
      }
      const problem = Array.isArray(value)
        ? checkLink(prompt, objectInfo, found.spec, value)
        : found.spec
          ? checkLiteral(found.spec, value)
          : null;
      if (problem)
        problems.push({
          nodeId,
          classType,
          input,
          ...problem,
          message: `input "${input}": ${problem.message}`,
        });
    }
    for (const input of Object.keys(inputSection(def, 'required'))) {
      if (!hasOwn(inputs, input)) {
        problems.push({
          nodeId,
          classType,
          kind: 'missing_input',
          input,
          message: `required input "${input}" is missing`,
        });
      }
    }
  }
  return problems;
}
