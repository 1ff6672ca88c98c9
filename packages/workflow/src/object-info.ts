/** Typed access to ComfyUI's GET /object_info: node classes, their inputs, combo lists, defaults. */
import type { NodeClassInfo, ObjectInfo } from '@atelier/contract';
import { hasOwn, isRecord, type JsonObject } from './json.js';

export type ComboValue = string | number | boolean;

// The one ObjectInfo type lives in the contract (the web app reads it too); re-exported for callers here.
export type { NodeClassInfo, ObjectInfo } from '@atelier/contract';

export type InputSection = 'required' | 'optional' | 'hidden';

/** An input spec `[type, options?]` read defensively; combos carry their list. */
export interface InputSpec {
  /** `INT`, `FLOAT`, `STRING`, `BOOLEAN`, `COMBO` or a socket type such as `MODEL`. */
  type: string;
  comboValues?: ComboValue[];
  options: JsonObject;
}

export const widgetValueTypes = ['INT', 'FLOAT', 'STRING', 'BOOLEAN', 'COMBO'] as const;

export function getNodeClass(objectInfo: ObjectInfo, classType: string): NodeClassInfo | undefined {
  if (!hasOwn(objectInfo, classType)) return undefined;
  const def = objectInfo[classType];
  return isRecord(def) ? def : undefined;
}

export function hasNodeClass(objectInfo: ObjectInfo, classType: string): boolean {
  return getNodeClass(objectInfo, classType) !== undefined;
}

export function inputSection(def: NodeClassInfo, section: InputSection): JsonObject {
  const input = def.input;
  if (!isRecord(input)) return {};
  const part = input[section];
  return isRecord(part) ? part : {};
}

function isComboValue(value: unknown): value is ComboValue {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** Reads `[type, options]`; the list form `[[...values], options]` and the newer `["COMBO", {options: [...]}]` are combos. */
export function parseInputSpec(raw: unknown): InputSpec | null {
  if (!Array.isArray(raw) || raw.length === 0) return null;
  const [type, rawOptions] = raw as [unknown, unknown];
  const options = isRecord(rawOptions) ? rawOptions : {};
  if (Array.isArray(type)) return { type: 'COMBO', comboValues: type.filter(isComboValue), options };
  if (typeof type !== 'string') return null;
  if (type === 'COMBO') {
    const values = Array.isArray(options.options) ? options.options.filter(isComboValue) : [];
    return { type, comboValues: values, options };
  }
  return { type, options };
}

/** The input's spec and the section it is declared in, or undefined when the class has no such input. */
export function findInputSpec(
  def: NodeClassInfo,
  inputName: string,
): { section: InputSection; spec: InputSpec | null } | undefined {
  for (const section of ['required', 'optional', 'hidden'] as const) {
    const inputs = inputSection(def, section);
    if (hasOwn(inputs, inputName)) return { section, spec: parseInputSpec(inputs[inputName]) };
  }
  return undefined;
}

/**
 * The values a combo input accepts (checkpoint names for `CheckpointLoaderSimple.ckpt_name`, LoRA files for
 * `LoraLoader.lora_name`, samplers, schedulers…), or null when the class or input is missing or not a combo.
 */
export function listComboOptions(
  objectInfo: ObjectInfo,
  classType: string,
  inputName: string,
): ComboValue[] | null {
  const def = getNodeClass(objectInfo, classType);
  if (!def) return null;
  const found = findInputSpec(def, inputName);
  return found?.spec?.comboValues ? [...found.spec.comboValues] : null;
}

export function isWidgetValueType(type: string): boolean {
  return (widgetValueTypes as readonly string[]).includes(type);
}

/** The value the UI gives a fresh widget of this spec (same rules as the ComfyUI frontend). */
export function widgetDefault(spec: InputSpec): unknown {
  const fallback = spec.options.default;
  switch (spec.type) {
    case 'INT':
    case 'FLOAT':
      return fallback ?? 0;
    case 'STRING':
      return fallback || '';
    case 'BOOLEAN':
      return fallback || false;
    case 'COMBO':
      return fallback || spec.comboValues?.[0];
    default:
      return undefined;
  }
}

/** The output socket types of a class (combo outputs read as `COMBO`). */
export function outputTypes(def: NodeClassInfo): string[] {
  if (!Array.isArray(def.output)) return [];
  return def.output.map((type) => (typeof type === 'string' ? type : 'COMBO'));
}

/** The title the UI gives a node of this class when the user has not renamed it. */
export function displayName(def: NodeClassInfo | undefined, classType: string): string {
  return typeof def?.display_name === 'string' && def.display_name ? def.display_name : classType;
}
