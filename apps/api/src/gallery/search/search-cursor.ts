import type { GallerySort } from '@atelier/contract';
import { AppError } from '../../common/app-error.js';
import type { SortKey } from './sqlite-search-sql.js';

/** How many numbers each sort's key holds: its segment, then the keyset columns. */
const keyLength: Record<GallerySort, number> = { newest: 2, oldest: 2, rating: 3, random: 3 };

/** What a cursor carries besides its position: the count the first page made, for the search it made it for. */
export interface CarriedCount {
  total: number;
  exact: boolean;
  /** searchTag() of the search it counted. */
  tag: number;
}

/**
 * Opaque page cursors: base64url of `[sort, total, exact, tag, ...key]`. A cursor only continues
 * the sort that wrote it (anything else is a 400, never a page from somewhere else); the count rides
 * along so later pages need not count again, and is trusted only for the same search (`tag`).
 */
export const searchCursor = {
  encode(sort: GallerySort, key: SortKey, count: CarriedCount): string {
    const head = [sort, count.total, count.exact ? 1 : 0, count.tag];
    return Buffer.from(JSON.stringify([...head, ...key])).toString('base64url');
  },
  decode(sort: GallerySort, cursor: string): { key: SortKey; count: CarriedCount } {
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    } catch {
      throw invalid('is not a valid cursor');
    }
    if (!Array.isArray(decoded) || decoded[0] !== sort) throw invalid(`does not continue sort=${sort}`);
    const numbers = decoded.slice(1) as unknown[];
    const valid =
      numbers.length === 3 + keyLength[sort] &&
      numbers.every((part) => Number.isSafeInteger(part) && (part as number) >= 0);
    if (!valid) throw invalid('is not a valid cursor');
    const [total, exact, tag, ...key] = numbers as number[];
    return { key, count: { total: total!, exact: exact === 1, tag: tag! } };
  },
};

/** A 31-bit FNV-1a of what decides a search's matches, so a cursor's count is reused only for it. */
export function searchTag(search: unknown): number {
  const text = JSON.stringify(search);
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 1;
}

function invalid(reason: string): AppError {
  return new AppError('validation_failed', 'The cursor is not valid', { cursor: [reason] });
}

/** Where `sort=random` starts in the shuffle order: a 31-bit mix of the seed (same seed, same order). */
export function randomStart(seed: number): number {
  let x = Math.imul((seed % 0x7fffffff) ^ 0x9e3779b9, 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 1;
}
