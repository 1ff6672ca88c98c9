/** One configured Ajv for parameter contracts: strict, all errors, and the `x-patch` / `x-random` extensions. */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import formatsModule, { type FormatsPlugin } from 'ajv-formats';

// ajv-formats is CommonJS with `exports.default`; under NodeNext the default import is the module object.
const addFormats: FormatsPlugin =
  (formatsModule as unknown as { default?: FormatsPlugin }).default ??
  (formatsModule as unknown as FormatsPlugin);

export const patchTargetsSchema = {
  type: 'array',
  minItems: 1,
  items: {
    type: 'object',
    required: ['node', 'input'],
    additionalProperties: false,
    properties: { node: { type: 'string', minLength: 1 }, input: { type: 'string', minLength: 1 } },
  },
} as const;

function createAjv(): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    strict: true,
    strictTypes: false,
    strictTuples: false,
    logger: false,
  });
  addFormats(ajv);
  // Annotations only: the patching code reads them; the meta-schemas reject malformed ones at compile time.
  ajv.addKeyword({ keyword: 'x-patch', metaSchema: patchTargetsSchema });
  ajv.addKeyword({ keyword: 'x-random', metaSchema: { type: 'boolean' } });
  return ajv;
}

const ajv = createAjv();
const compiled = new WeakMap<object, ValidateFunction>();

/** Compiles (once per schema object) or throws Ajv's error for an invalid schema. */
export function compileSchema(schema: object): ValidateFunction {
  const cached = compiled.get(schema);
  if (cached) return cached;
  // `$id`s would collide between files in the shared instance; they are not needed here.
  const { $id: _ignored, ...withoutId } = schema as Record<string, unknown>;
  const validate = ajv.compile(withoutId);
  compiled.set(schema, validate);
  return validate;
}

export type { ErrorObject };
