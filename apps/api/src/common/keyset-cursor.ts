import { AppError } from './app-error.js';
import { maxRowId } from './row-id.js';

/** Checks one decoded part of a sort key. */
export type KeyPart<T> = (value: unknown) => value is T;

export const rowId: KeyPart<number> = (value): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 && value <= maxRowId;

const isoTimestampPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** As `Date.prototype.toISOString` writes it, which is how timestamps are stored and compared. */
export const isoTimestamp: KeyPart<string> = (value): value is string =>
  typeof value === 'string' && isoTimestampPattern.test(value);

export interface KeysetCursor<Key extends unknown[]> {
  encode(...key: Key): string;
  /** Throws 400 `validation_failed` `{cursor: [...]}` for anything `encode` did not write. */
  decode(cursor: string): Key;
}

/**
 * Cursors for keyset paging, opaque to clients: base64url of the JSON array of the sort key of the
 * last item a page showed (the next page starts strictly after it). `parts` check each element.
 */
export function keysetCursor<Key extends unknown[]>(
  ...parts: { [I in keyof Key]: KeyPart<Key[I]> }
): KeysetCursor<Key> {
  const invalid = () =>
    new AppError('validation_failed', 'The cursor is not valid', { cursor: ['is not a valid cursor'] });
  return {
    encode: (...key) => Buffer.from(JSON.stringify(key)).toString('base64url'),
    decode: (cursor) => {
      let decoded: unknown;
      try {
        decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      } catch {
        throw invalid();
      }
      if (!Array.isArray(decoded) || decoded.length !== parts.length) throw invalid();
      if (!parts.every((isPart: KeyPart<unknown>, index) => isPart(decoded[index]))) throw invalid();
      return decoded as Key;
    },
  };
}
