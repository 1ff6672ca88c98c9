/**
 * The TypeScript type of a JSON Schema written `as const`, for the few keywords the shared request schemas use
 * (`type`, `enum`, `items`, `properties`, `required`), so a schema is the one description of a request body.
 */

type ValueOf<S> = S extends { enum: readonly (infer E)[] }
  ? E
  : S extends { type: 'string' }
    ? string
    : S extends { type: 'integer' | 'number' }
      ? number
      : S extends { type: 'boolean' }
        ? boolean
        : S extends { type: 'array'; items: infer I }
          ? ValueOf<I>[]
          : unknown;

interface ObjectSchema {
  properties: Record<string, unknown>;
  required?: readonly string[];
}

type RequiredKey<S extends ObjectSchema> = S['required'] extends readonly (infer K)[] ? K : never;

type Flatten<T> = { -readonly [K in keyof T]: T[K] };

/** `{required: ['a'], properties: {a: {type: 'string'}, b: {type: 'integer'}}}` → `{a: string; b?: number}`. */
export type FromObjectSchema<S extends ObjectSchema> = Flatten<
  { [K in keyof S['properties'] as K extends RequiredKey<S> ? K : never]: ValueOf<S['properties'][K]> } & {
    [K in keyof S['properties'] as K extends RequiredKey<S> ? never : K]?: ValueOf<S['properties'][K]>;
  }
>;
