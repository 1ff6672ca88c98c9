/**
 * Parameter contracts: a JSON Schema whose properties are the knobs a template exposes, each with `x-patch`
 * naming the node inputs it sets. Applying one validates the values (ajv), then patches a copy of the template —
 * values only, links are never rewired.
 */
import { isApiLink, type ApiPrompt } from '../api-prompt.js';
import { cloneJson, describeValue, hasOwn, isRecord, type JsonObject } from '../json.js';
import { compileSchema, type ErrorObject } from './ajv.js';

export interface PatchTarget {
  /** Node id in the template. */
  node: string;
  /** Input name of that node. */
  input: string;
}

/** A JSON Schema object with the contract extensions on its properties. */
export interface ParamSchema {
  type: 'object';
  properties: Record<string, ParamProperty>;
  additionalProperties: false;
  required?: string[];
  title?: string;
  description?: string;
  [keyword: string]: unknown;
}

export interface ParamProperty {
  /** The node inputs this parameter sets. */
  'x-patch': PatchTarget[];
  /** Integer knobs only: when the caller leaves it out, draw a random value within the bounds (seeds). */
  'x-random'?: boolean;
  [keyword: string]: unknown;
}

export interface ParamError {
  /** The parameter concerned ('' for the whole object). */
  param: string;
  /** JSON pointer into the params (ajv's instancePath), e.g. `/loras/0`. */
  path: string;
  /** The failed JSON Schema keyword, or `x-patch` when the template does not fit the contract. */
  keyword: string;
  message: string;
}

export type ApplyParamsResult =
  | {
      ok: true;
      prompt: ApiPrompt;
      /** The values applied, including drawn `x-random` values. */
      values: Record<string, unknown>;
    }
  | { ok: false; errors: ParamError[] };

export interface ApplyParamsOptions {
  /** Random source in [0, 1) for `x-random` knobs; default Math.random. */
  random?: () => number;
}

function properties(schema: JsonObject): Record<string, JsonObject> {
  const props = schema.properties;
  if (!isRecord(props)) return {};
  return Object.fromEntries(
    Object.entries(props).filter((entry): entry is [string, JsonObject] => isRecord(entry[1])),
  );
}

function patchTargets(property: JsonObject): PatchTarget[] {
  const targets = property['x-patch'];
  if (!Array.isArray(targets)) return [];
  return targets.filter(
    (t): t is PatchTarget => isRecord(t) && typeof t.node === 'string' && typeof t.input === 'string',
  );
}

/**
 * Checks a template and its contract fit together: the schema compiles, is a closed object
 * (`additionalProperties: false`), every knob patches at least one existing, non-link input, `x-random` sits on
 * integers, and a `default` equals the template's own value. Returns readable problems; empty means usable.
 */
export function checkParamContract(template: ApiPrompt, schema: unknown): string[] {
  if (!isRecord(schema)) return ['the parameter schema must be a JSON object'];
  const problems: string[] = [];
  try {
    compileSchema(schema);
  } catch (error) {
    problems.push(
      `the parameter schema is invalid: ${error instanceof Error ? error.message : String(error)}`,
    );
    return problems;
  }
  if (schema.type !== 'object') problems.push('the parameter schema must have "type": "object"');
  if (schema.additionalProperties !== false) {
    problems.push('the parameter schema must set "additionalProperties": false so unknown knobs are refused');
  }
  for (const [name, property] of Object.entries(properties(schema))) {
    const targets = patchTargets(property);
    if (!targets.length) problems.push(`parameter "${name}" has no "x-patch" targets`);
    if (property['x-random'] === true && property.type !== 'integer') {
      problems.push(`parameter "${name}": "x-random" is only allowed on integer parameters`);
    }
    for (const target of targets) {
      const node = hasOwn(template, target.node) ? template[target.node] : undefined;
      if (!node) {
        problems.push(`parameter "${name}" patches node "${target.node}", which the template does not have`);
        continue;
      }
      if (!hasOwn(node.inputs, target.input)) {
        problems.push(
          `parameter "${name}" patches "${target.input}" of node "${target.node}" (${node.class_type}), which has no such input`,
        );
        continue;
      }
      if (isApiLink(node.inputs[target.input])) {
        problems.push(
          `parameter "${name}" would replace the link into "${target.input}" of node "${target.node}"; contracts patch values, not links`,
        );
      }
    }
    const first = targets[0];
    const firstNode = first && hasOwn(template, first.node) ? template[first.node] : undefined;
    if (first && firstNode && hasOwn(property, 'default') && hasOwn(firstNode.inputs, first.input)) {
      const current = firstNode.inputs[first.input];
      if (JSON.stringify(current) !== JSON.stringify(property.default)) {
        problems.push(
          `parameter "${name}" declares default ${describeValue(property.default)} but the template holds ${describeValue(current)}`,
        );
      }
    }
  }
  return problems;
}

function toParamError(error: ErrorObject): ParamError {
  const params = error.params as Record<string, unknown>;
  const segments = error.instancePath.split('/').slice(1);
  let param = segments[0] ?? '';
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    param = params.additionalProperty;
    message = 'is not a parameter of this template';
  } else if (error.keyword === 'required' && typeof params.missingProperty === 'string') {
    param = params.missingProperty;
    message = 'is required';
  }
  const where = error.instancePath.split('/').slice(2).join('/');
  return {
    param,
    path: error.instancePath,
    keyword: error.keyword,
    message: `${param || 'params'}${where ? `[${where}]` : ''} ${message}`,
  };
}

function randomWithin(property: JsonObject, random: () => number): number {
  const min = typeof property.minimum === 'number' ? Math.ceil(property.minimum) : 0;
  const max = Math.min(
    typeof property.maximum === 'number' ? Math.floor(property.maximum) : Number.MAX_SAFE_INTEGER,
    Number.MAX_SAFE_INTEGER,
  );
  return min + Math.floor(random() * (max - min + 1));
}

/**
 * Validates `params` against the contract `schema` and returns a patched copy of `template`. Knobs left out keep
 * the template's value (or get a random one when marked `x-random`).
 */
export function applyParams(
  template: ApiPrompt,
  schema: ParamSchema | JsonObject,
  params: unknown,
  options: ApplyParamsOptions = {},
): ApplyParamsResult {
  if (!isRecord(params)) {
    return {
      ok: false,
      errors: [{ param: '', path: '', keyword: 'type', message: 'params must be an object' }],
    };
  }
  const props = properties(schema);
  const values: Record<string, unknown> = { ...params };
  for (const [name, property] of Object.entries(props)) {
    if (property['x-random'] === true && values[name] === undefined) {
      values[name] = randomWithin(property, options.random ?? Math.random);
    }
  }
  const validate = compileSchema(schema);
  if (!validate(values)) return { ok: false, errors: (validate.errors ?? []).map(toParamError) };

  const prompt = cloneJson(template);
  const errors: ParamError[] = [];
  for (const [name, property] of Object.entries(props)) {
    if (!hasOwn(values, name) || values[name] === undefined) continue;
    for (const target of patchTargets(property)) {
      const node = hasOwn(prompt, target.node) ? prompt[target.node] : undefined;
      if (!node || !hasOwn(node.inputs, target.input) || isApiLink(node.inputs[target.input])) {
        errors.push({
          param: name,
          path: `/${name}`,
          keyword: 'x-patch',
          message: `${name} cannot be applied: the template has no value input "${target.input}" on node "${target.node}"`,
        });
        continue;
      }
      node.inputs[target.input] = cloneJson(values[name]);
    }
  }
  return errors.length ? { ok: false, errors } : { ok: true, prompt, values };
}
