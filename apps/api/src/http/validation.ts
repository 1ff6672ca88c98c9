import type { FieldErrors } from '@atelier/contract';
import {
  Injectable,
  ValidationPipe,
  type ArgumentMetadata,
  type PipeTransform,
  type ValidationError,
} from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { maxRowId } from '../common/row-id.js';

/** Per-field messages keyed by dotted path (`{ 'items.0.name': ['…'] }`); body-level problems under `body`. */
export function toFieldErrors(errors: readonly ValidationError[], prefix = ''): FieldErrors {
  const out: FieldErrors = {};
  for (const error of errors) {
    const path = error.property
      ? prefix
        ? `${prefix}.${error.property}`
        : error.property
      : prefix || 'body';
    if (error.constraints) out[path] = [...(out[path] ?? []), ...Object.values(error.constraints)];
    if (error.children?.length) Object.assign(out, toFieldErrors(error.children, path));
  }
  return out;
}

/**
 * DTO validation for every route: unknown properties are rejected (not silently dropped) and the
 * answer is 400 `validation_failed` with per-field details.
 */
export function createValidationPipe(): ValidationPipe {
  return new AppValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) =>
      new AppError('validation_failed', 'The request is invalid', toFieldErrors(errors)),
  });
}

class AppValidationPipe extends ValidationPipe {
  // Nest strips "__proto__" keys silently (JSON.parse and multer make them own properties): refuse them instead,
  // like any other field the route does not take.
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const path = metadata.type === 'body' ? protoKeyPath(value, '') : null;
    if (path !== null) {
      throw new AppError('validation_failed', 'The request is invalid', {
        [path]: ['is not a field of this request'],
      });
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }

  // Route parameters keep their text for their own pipe (idPipe): Number() would turn "1e3", "0x10", "01" or " 1"
  // into an id, so one resource would answer to many spellings.
  protected override transformPrimitive(value: unknown, metadata: ArgumentMetadata): unknown {
    return metadata.type === 'param' ? value : super.transformPrimitive(value, metadata);
  }
}

/** The dotted path of the first own `__proto__` key in a body (depth is bounded by the body parser), or null. */
function protoKeyPath(value: unknown, prefix: string): string | null {
  if (typeof value !== 'object' || value === null || Buffer.isBuffer(value)) return null;
  for (const key of Object.keys(value)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (key === '__proto__') return path;
    const found = protoKeyPath((value as Record<string, unknown>)[key], path);
    if (found !== null) return found;
  }
  return null;
}

/**
 * Stands for a well-formed id past {@link maxRowId}: it names no row, and binding the id itself would be an
 * out-of-range error (500) on Postgres where SQLite just finds nothing. Identities start at 1, so every
 * lookup misses and each route answers its own 404 on both engines.
 */
export const absentRowId = -1;

/** Route ids: positive integers of reasonable size, else 400 with a field message. */
@Injectable()
export class IdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    if (!/^[1-9]\d{0,14}$/.test(value)) {
      throw new AppError('validation_failed', 'The id must be a positive integer', {
        id: ['must be a positive integer'],
      });
    }
    const id = Number(value);
    return id > maxRowId ? absentRowId : id;
  }
}

export const idPipe = new IdPipe();
