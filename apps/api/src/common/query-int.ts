import { Transform } from 'class-transformer';

/**
 * A query-string integer, digits only: class-transformer's `@Type(() => Number)` also takes "0x10", "1e1" and
 * " 5". Anything else stays text, so `@IsInt()` refuses it.
 */
export function QueryInt(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^-?\d{1,16}$/.test(value) ? Number(value) : value,
  );
}
