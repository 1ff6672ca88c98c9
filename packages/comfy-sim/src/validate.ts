/**
 * A port of ComfyUI's `validate_prompt` / `validate_inputs` (execution.py, v0.3.7): the same error
 * types, texts, `extra_info` and `dependent_outputs`, including its quirks (values are converted in
 * place, partially valid prompts run their valid outputs, errors collected across outputs).
 */
import { inputSpec, type NodeDef, type ObjectInfo } from './object-info.js';
import { PyError, SIM_SRC, tbFrame } from './py-error.js';
import {
  isFloatAt,
  markFloat,
  pyFloatRepr,
  pyRepr,
  pyStr,
  pyTruthy,
  pyTypeName,
  unmarkFloat,
} from './py-json.js';

export interface ValidationError {
  type: string;
  message: string;
  details: string;
  extra_info: Record<string, unknown>;
}

export interface NodeError {
  errors: ValidationError[];
  dependent_outputs: string[];
  class_type: unknown;
}

export type ValidationResult =
  | { ok: true; outputs: string[]; nodeErrors: Record<string, NodeError> }
  | { ok: false; error: ValidationError; nodeErrors: Record<string, NodeError> | [] };

/** A node's `VALIDATE_INPUTS`: the argument names it takes and its verdict (true, or a reason). */
export interface CustomValidator {
  args: string[];
  validate(values: Record<string, unknown>): true | string;
}

export interface ValidationContext {
  objectInfo: ObjectInfo;
  customValidators: Readonly<Record<string, CustomValidator>>;
}

type Verdict = [valid: boolean, reasons: ValidationError[], id: string];

const EXEC_PY = `${SIM_SRC}/execution.py`;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Python's `x in container` for the containers a JSON prompt can hold. */
function pyContains(container: unknown, key: string): boolean {
  if (isPlainObject(container)) return Object.hasOwn(container, key);
  if (Array.isArray(container)) return container.includes(key);
  if (typeof container === 'string') return container.includes(key);
  throw new PyError('TypeError', `argument of type '${pyTypeName(container)}' is not iterable`);
}

/** Python's `container[key]` with a string key. */
function pyIndex(container: unknown, key: unknown, frame: string): unknown {
  if (isPlainObject(container)) {
    if (typeof key === 'string' && Object.hasOwn(container, key)) return container[key];
    throw new PyError('KeyError', pyRepr(key), [frame]);
  }
  if (Array.isArray(container)) {
    throw new PyError('TypeError', `list indices must be integers or slices, not ${pyTypeName(key)}`, [
      frame,
    ]);
  }
  if (typeof container === 'string')
    throw new PyError('TypeError', 'string indices must be integers', [frame]);
  throw new PyError('TypeError', `'${pyTypeName(container)}' object is not subscriptable`, [frame]);
}

function pyEquals(a: unknown, b: unknown): boolean {
  const num = (v: unknown): number | bigint | undefined =>
    typeof v === 'number' || typeof v === 'bigint' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : undefined;
  const na = num(a);
  const nb = num(b);
  // Loose equality compares a number with a bigint by value.
  if (na !== undefined && nb !== undefined) return na == nb;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const ka = Object.keys(a);
    return (
      ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && pyEquals(a[k], b[k]))
    );
  }
  return a === b;
}

const INT_LITERAL = /^[+-]?\d+(?:_\d+)*$/;
const FLOAT_LITERAL =
  /^[+-]?(?:(?:\d+(?:_\d+)*)?\.?\d+(?:_\d+)*(?:[eE][+-]?\d+)?|\d+(?:_\d+)*\.|inf(?:inity)?|nan)$/i;

function toPyInt(v: unknown, isFloat: boolean): number | bigint {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) throw new PyError('ValueError', 'cannot convert float NaN to integer');
    if (!Number.isFinite(v)) throw new PyError('OverflowError', 'cannot convert float infinity to integer');
    const t = Math.trunc(v);
    return Number.isSafeInteger(t) || !isFloat ? t : BigInt(t);
  }
  if (typeof v === 'string') {
    const s = v.trim();
    if (INT_LITERAL.test(s)) {
      const b = BigInt(s.replace(/_/g, ''));
      return b >= BigInt(Number.MIN_SAFE_INTEGER) && b <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(b) : b;
    }
    throw new PyError('ValueError', `invalid literal for int() with base 10: ${pyRepr(v)}`);
  }
  throw new PyError(
    'TypeError',
    `int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(v)}'`,
  );
}

function toPyFloat(v: unknown): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string') {
    const s = v.trim();
    if (FLOAT_LITERAL.test(s)) {
      const lower = s.toLowerCase().replace(/_/g, '');
      if (lower.endsWith('nan')) return NaN;
      if (lower.endsWith('inf') || lower.endsWith('infinity'))
        return lower.startsWith('-') ? -Infinity : Infinity;
      return Number(lower);
    }
    throw new PyError('ValueError', `could not convert string to float: ${pyRepr(v)}`);
  }
  throw new PyError(
    'TypeError',
    `float() argument must be a string or a real number, not '${pyTypeName(v)}'`,
  );
}

/** ComfyUI's `validate_node_input`: exact match, `*`, or overlapping comma-separated type lists. */
function typesMatch(received: unknown, expected: unknown): boolean {
  if (pyEquals(received, expected)) return true;
  if (typeof received !== 'string' || typeof expected !== 'string') return false;
  if (received === '*' || expected === '*') return true;
  const a = new Set(received.split(',').map((t) => t.trim()));
  return expected.split(',').some((t) => a.has(t.trim()));
}

function isNumeric(v: unknown): v is number | bigint {
  return typeof v === 'number' || typeof v === 'bigint';
}

class Validator {
  readonly validated = new Map<string, Verdict>();
  private readonly visiting = new Set<string>();

  constructor(
    private readonly prompt: Record<string, unknown>,
    private readonly ctx: ValidationContext,
  ) {}

  private def(classType: string): NodeDef {
    const def = this.ctx.objectInfo.get(classType);
    if (!def) throw new PyError('KeyError', pyRepr(classType));
    return def;
  }

  validateInputs(id: string): Verdict {
    const cached = this.validated.get(id);
    if (cached) return cached;
    // Upstream recurses until Python's stack gives out; a cycle ends the same way.
    if (this.visiting.has(id)) {
      throw new PyError('RecursionError', 'maximum recursion depth exceeded while calling a Python object');
    }
    this.visiting.add(id);
    try {
      return this.validateNode(id);
    } finally {
      this.visiting.delete(id);
    }
  }

  private validateNode(id: string): Verdict {
    const node = this.prompt[id];
    const inputs = pyIndex(
      node,
      'inputs',
      tbFrame(EXEC_PY, 564, 'validate_inputs', "inputs = prompt[unique_id]['inputs']"),
    );
    const classType = (node as Record<string, unknown>)['class_type'] as string;
    const def = this.def(classType);
    const custom = this.ctx.customValidators[classType];
    const validateArgs = custom?.args ?? [];
    const names = [...Object.keys(def.input.required ?? {}), ...Object.keys(def.input.optional ?? {})];
    const errors: ValidationError[] = [];
    let valid = true;

    for (const x of [...new Set(names)]) {
      const spec = inputSpec(def, x);
      if (!spec) continue;
      const typeInput = spec.type;
      if (!pyContains(inputs, x)) {
        if (spec.category === 'required') {
          errors.push({
            type: 'required_input_missing',
            message: 'Required input is missing',
            details: x,
            extra_info: { input_name: x },
          });
        }
        continue;
      }
      const inputsObj = isPlainObject(inputs) ? inputs : undefined;
      const val = pyIndex(inputs, x, tbFrame(EXEC_PY, 581, 'validate_inputs', 'val = inputs[x]'));
      const info = [typeInput, spec.extra];

      if (Array.isArray(val)) {
        if (val.length !== 2) {
          errors.push({
            type: 'bad_linked_input',
            message: 'Bad linked input, must be a length-2 list of [node_id, slot_index]',
            details: x,
            extra_info: { input_name: x, input_config: info, received_value: val },
          });
          continue;
        }
        const [oId, slot] = val as [unknown, unknown];
        const linked = pyIndex(
          this.prompt,
          oId,
          tbFrame(
            EXEC_PY,
            592,
            'validate_inputs',
            "o_class_type = prompt[o_id]['class_type']\n                   ~~~~~~^^^^^^",
          ),
        );
        const oClass = (linked as Record<string, unknown>)['class_type'] as string;
        const receivedType = this.returnType(oClass, slot, isFloatAt(val, 1));
        if (!validateArgs.includes('input_types') && !typesMatch(receivedType, typeInput)) {
          errors.push({
            type: 'return_type_mismatch',
            message: 'Return type mismatch between linked nodes',
            details: `${x}, received_type(${pyStr(receivedType)}) mismatch input_type(${pyStr(typeInput)})`,
            extra_info: { input_name: x, input_config: info, received_type: receivedType, linked_node: val },
          });
          continue;
        }
        try {
          const r = this.validateInputs(oId as string);
          if (!r[0]) {
            valid = false;
            continue;
          }
        } catch (ex) {
          if (!(ex instanceof PyError)) throw ex;
          valid = false;
          this.validated.set(oId as string, [
            false,
            [
              {
                type: 'exception_during_inner_validation',
                message: 'Exception when validating inner node',
                details: ex.pyMessage,
                extra_info: {
                  input_name: x,
                  input_config: info,
                  exception_message: ex.pyMessage,
                  exception_type: ex.pyType,
                  traceback: [
                    tbFrame(EXEC_PY, 611, 'validate_inputs', 'r = validate_inputs(prompt, o_id, validated)'),
                    ...ex.traceback,
                  ],
                  linked_node: val,
                },
              },
            ],
            oId as string,
          ]);
          continue;
        }
      } else {
        let converted: unknown = val;
        const wasFloat = inputsObj ? isFloatAt(inputsObj, x) : false;
        let isFloat = wasFloat;
        try {
          if (typeInput === 'INT') {
            converted = toPyInt(val, wasFloat);
            isFloat = false;
          } else if (typeInput === 'FLOAT') {
            converted = toPyFloat(val);
            isFloat = true;
          } else if (typeInput === 'STRING') {
            converted = pyStr(val, wasFloat);
            isFloat = false;
          } else if (typeInput === 'BOOLEAN') {
            converted = pyTruthy(val);
            isFloat = false;
          }
        } catch (ex) {
          if (!(ex instanceof PyError)) throw ex;
          const extra: Record<string, unknown> = {
            input_name: x,
            input_config: info,
            received_value: val,
            exception_message: ex.pyMessage,
          };
          if (wasFloat) markFloat(extra, 'received_value');
          errors.push({
            type: 'invalid_input_type',
            message: `Failed to convert an input value to a ${pyStr(typeInput)} value`,
            details: `${x}, ${pyStr(val, wasFloat)}, ${ex.pyMessage}`,
            extra_info: extra,
          });
          continue;
        }
        if (inputsObj && ['INT', 'FLOAT', 'STRING', 'BOOLEAN'].includes(typeInput as string)) {
          inputsObj[x] = converted;
          if (isFloat) markFloat(inputsObj, x);
          else unmarkFloat(inputsObj, x);
        }

        if (!validateArgs.includes(x)) {
          const fmt = (v: unknown, container: object, key: string, f = false): string =>
            typeof v === 'number' && (f || isFloatAt(container, key)) ? pyFloatRepr(v) : pyStr(v);
          const rangeError = (type: string, message: string): void => {
            const extra: Record<string, unknown> = {
              input_name: x,
              input_config: info,
              received_value: converted,
            };
            if (isFloat) markFloat(extra, 'received_value');
            errors.push({ type, message, details: x, extra_info: extra });
          };
          const min = spec.extra['min'];
          const max = spec.extra['max'];
          if (min !== undefined && isNumeric(converted) && isNumeric(min) && converted < min) {
            rangeError(
              'value_smaller_than_min',
              `Value ${fmt(converted, {}, '', isFloat)} smaller than min of ${fmt(min, spec.extra, 'min')}`,
            );
            continue;
          }
          if (max !== undefined && isNumeric(converted) && isNumeric(max) && converted > max) {
            rangeError(
              'value_bigger_than_max',
              `Value ${fmt(converted, {}, '', isFloat)} bigger than max of ${fmt(max, spec.extra, 'max')}`,
            );
            continue;
          }
          if (Array.isArray(typeInput) && !typeInput.some((opt) => pyEquals(opt, converted))) {
            const big = typeInput.length > 20;
            errors.push({
              type: 'value_not_in_list',
              message: 'Value not in list',
              details: `${x}: '${pyStr(converted, isFloat)}' not in ${big ? `(list of length ${typeInput.length})` : pyRepr(typeInput)}`,
              extra_info: { input_name: x, input_config: big ? null : info, received_value: converted },
            });
            continue;
          }
        }
      }
    }

    if (custom) {
      const values: Record<string, unknown> = {};
      if (isPlainObject(inputs)) {
        for (const [k, v] of Object.entries(inputs))
          if (!Array.isArray(v) && custom.args.includes(k)) values[k] = v;
      }
      const missing = custom.args.filter((a) => !(a in values));
      if (missing.length > 0) {
        throw new PyError(
          'TypeError',
          `${classType}.VALIDATE_INPUTS() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${missing.map((m) => `'${m}'`).join(' and ')}`,
        );
      }
      const verdict = custom.validate(values);
      if (verdict !== true) {
        for (const x of Object.keys(values)) {
          errors.push({
            type: 'custom_validation_failed',
            message: 'Custom validation failed for node',
            details: `${x} - ${verdict}`,
            extra_info: { input_name: x },
          });
        }
      }
    }

    const ret: Verdict = errors.length > 0 || !valid ? [false, errors, id] : [true, [], id];
    this.validated.set(id, ret);
    return ret;
  }

  private returnType(classType: string, slot: unknown, slotIsFloat: boolean): unknown {
    const types = this.ctx.objectInfo.returnTypes(classType);
    const frame = tbFrame(
      EXEC_PY,
      594,
      'validate_inputs',
      'received_type = r[val[1]]\n                    ~^^^^^^^^',
    );
    if (typeof slot === 'boolean') slot = slot ? 1 : 0;
    if (typeof slot !== 'number' || !Number.isInteger(slot) || slotIsFloat) {
      throw new PyError(
        'TypeError',
        `tuple indices must be integers or slices, not ${pyTypeName(slot, slotIsFloat)}`,
        [frame],
      );
    }
    const idx = slot < 0 ? types.length + slot : slot;
    if (idx < 0 || idx >= types.length) throw new PyError('IndexError', 'tuple index out of range', [frame]);
    return types[idx];
  }
}

/** `validate_prompt(prompt)`. Throws PyError where the real server would answer 500. */
export function validatePrompt(prompt: unknown, ctx: ValidationContext): ValidationResult {
  if (!isPlainObject(prompt)) {
    // Python iterates whatever it got: an empty list/string has no outputs, anything else blows up.
    if ((Array.isArray(prompt) || typeof prompt === 'string') && prompt.length === 0) return noOutputs();
    throw new PyError('TypeError', `'${pyTypeName(prompt)}' object is not a mapping`);
  }
  const outputs: string[] = [];
  for (const x of Object.keys(prompt)) {
    const node = prompt[x];
    if (!pyContains(node, 'class_type')) {
      return {
        ok: false,
        error: {
          type: 'invalid_prompt',
          message: 'Cannot execute because a node is missing the class_type property.',
          details: `Node ID '#${x}'`,
          extra_info: {},
        },
        nodeErrors: [],
      };
    }
    const classType = pyIndex(
      node,
      'class_type',
      tbFrame(EXEC_PY, 770, 'validate_prompt', "class_type = prompt[x]['class_type']"),
    );
    if (Array.isArray(classType) || isPlainObject(classType)) {
      throw new PyError('TypeError', `unhashable type: '${pyTypeName(classType)}'`);
    }
    if (typeof classType !== 'string' || !ctx.objectInfo.has(classType)) {
      return {
        ok: false,
        error: {
          type: 'invalid_prompt',
          message: `Cannot execute because node ${pyStr(classType)} does not exist.`,
          details: `Node ID '#${x}'`,
          extra_info: {},
        },
        nodeErrors: [],
      };
    }
    if (ctx.objectInfo.isOutputNode(classType)) outputs.push(x);
  }
  if (outputs.length === 0) return noOutputs();

  const v = new Validator(prompt, ctx);
  const good: string[] = [];
  const failures: [string, ValidationError[]][] = [];
  const nodeErrors: Record<string, NodeError> = {};
  for (const o of outputs) {
    let valid: boolean;
    let reasons: ValidationError[];
    try {
      [valid, reasons] = v.validateInputs(o);
    } catch (ex) {
      if (!(ex instanceof PyError)) throw ex;
      valid = false;
      reasons = [
        {
          type: 'exception_during_validation',
          message: 'Exception when validating node',
          details: ex.pyMessage,
          extra_info: {
            exception_type: ex.pyType,
            traceback: [
              tbFrame(
                EXEC_PY,
                805,
                'validate_prompt',
                'm = validate_inputs(prompt, o, validated)\n        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
              ),
              ...ex.traceback,
            ],
          },
        },
      ];
      v.validated.set(o, [false, reasons, o]);
    }
    if (valid) {
      good.push(o);
      continue;
    }
    failures.push([o, reasons]);
    // As upstream: every invalid node validated so far (not only this output's) gains this output.
    for (const [nodeId, [ok, why]] of v.validated) {
      if (ok || why.length === 0) continue;
      nodeErrors[nodeId] ??= {
        errors: why,
        dependent_outputs: [],
        class_type: (prompt[nodeId] as Record<string, unknown>)['class_type'],
      };
      nodeErrors[nodeId].dependent_outputs.push(o);
    }
  }
  if (good.length === 0) {
    return {
      ok: false,
      error: {
        type: 'prompt_outputs_failed_validation',
        message: 'Prompt outputs failed validation',
        details: failures.flatMap(([, errs]) => errs.map((e) => `${e.message}: ${e.details}`)).join('\n'),
        extra_info: {},
      },
      nodeErrors,
    };
  }
  return { ok: true, outputs: good, nodeErrors };
}

function noOutputs(): ValidationResult {
  return {
    ok: false,
    error: { type: 'prompt_no_outputs', message: 'Prompt has no outputs', details: '', extra_info: {} },
    nodeErrors: [],
  };
}
