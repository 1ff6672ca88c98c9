import type { GallerySort } from '@atelier/contract';
import { AppError } from '../../common/app-error.js';
import type { SortKey } from './sqlite-search-sql.js';

/** How many numbers each sort's key holds: its segment, then the keyset columns. */
const keyLength: Record<GallerySort, number> = { newest: 2, oldest: 2, rating: 3, random: 3 };

/**
 * Opaque page cursors: base64url of `[sort, ...key]`. A cursor only continues the sort that wrote
 * it; anything else is a 400, never a page from somewhere else.
 */
export const searchCursor = {
  encode(sort: GallerySort, key: SortKey): string {
    return Buffer.from(JSON.stringify([sort, ...key])).toString('base64url');
  },
  decode(sort: GallerySort, cursor: string): SortKey {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      throw invalid('is not a valid cursor');
    }
    if (!Array.isArray(decoded) || decoded[0] !== sort) throw invalid(`does not continue sort=${sort}`);
    const key = decoded.slice(1) as unknown[];
    const valid =
      key.length === keyLength[sort] &&
      key.every((part) => Number.isSafeInteger(part) && (part as number) >= 0);
    if (!valid) throw invalid('is not a valid cursor');
    return key as number[];
  },
};

function invalid(reason: string): AppError {
  return new AppError('validation_failed', 'The cursor is not valid', { cursor: [reason] });
}

/** Where `sort=random` starts in the shuffle order: a 31-bit mix of the seed (same seed, same order). */
export function randomStart(seed: number): number {
  let x = Math.imul((seed % 0x7fffffff) ^ 0x9e3779b9, 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 1;
}
