/**
 * What the search box can autocomplete at the cursor: the value of a `model:`, `lora:`, `tag:`…
 * being typed (the box fetches matching values), or a key name being typed (`mo|` → `model`).
 */
import { galleryQueryKeyNames, isQuoteChar, queryKeyNamed } from './gallery-query-keys.js';
import { normaliseQuery, originalSpan, tokeniseQuery } from './gallery-query-lexer.js';
import { galleryQueryMaxLength, type GalleryFilterName } from './gallery-query-types.js';

/** The filters whose values the search box can suggest. */
export const galleryCompletionKeys = [
  'checkpoint',
  'lora',
  'tag',
  'sampler',
  'owner',
  'status',
  'aspect',
] as const;
export type GalleryCompletionKey = (typeof galleryCompletionKeys)[number];

/**
 * A completion: replace `text.slice(start, end)` (the whole value, its quotes included; write the
 * choice with formatGalleryQueryValue) with a choice that starts with `prefix` (the value typed
 * up to the cursor, unquoted). For a key name being typed, `key` is null and `keys` lists the
 * names that start with `prefix` (without the colon).
 */
export interface GalleryQueryCompletion {
  key: GalleryCompletionKey | null;
  prefix: string;
  start: number;
  end: number;
  keys?: string[];
}

const completable = new Set<GalleryFilterName>(galleryCompletionKeys);
const isCompletionKey = (filter: GalleryFilterName | null): filter is GalleryCompletionKey =>
  filter !== null && completable.has(filter);

/**
 * What is being typed at `cursor` (a UTF-16 offset into `text`, as an input's selectionStart), or
 * null when there is nothing to complete there (between tokens, in a word, in a `seed:`).
 */
export function completionAt(text: string, cursor: number): GalleryQueryCompletion | null {
  if (typeof text !== 'string' || !Number.isInteger(cursor) || cursor < 0 || cursor > text.length)
    return null;
  if (text.length > galleryQueryMaxLength) return null;
  const query = normaliseQuery(text);
  // The first normalised character at or after the cursor.
  let at = query.from.findIndex((source) => source >= cursor);
  if (at < 0) at = query.text.length;
  const token = tokeniseQuery(query.text).find((t) => t.start < at && at <= t.end);
  if (!token) return null;

  const valueFrom = token.valueStart + (token.quoted ? 1 : 0);
  const closed =
    token.quoted && token.valueEnd > valueFrom && isQuoteChar(query.text[token.valueEnd - 1] ?? '');
  const valueTo = closed ? token.valueEnd - 1 : token.valueEnd;
  if (at < valueFrom || at > valueTo) return null;
  const prefix = query.text.slice(valueFrom, at);
  const span = originalSpan(query, token.valueStart, token.valueEnd);

  if (token.key !== null) {
    const filter = token.op === ':' ? (queryKeyNamed(token.key)?.filter ?? null) : null;
    return isCompletionKey(filter) && !token.negated ? { key: filter, prefix, ...span } : null;
  }
  if (token.quoted || !/^[A-Za-z_]+$/.test(prefix)) return null;
  const typed = prefix.toLowerCase();
  // Only has: and neg: can be negated.
  const keys = galleryQueryKeyNames.filter((name) => {
    const filter = queryKeyNamed(name)?.filter;
    return name.startsWith(typed) && (!token.negated || filter === 'has_workflow' || filter === null);
  });
  return keys.length > 0 ? { key: null, prefix, ...span, keys } : null;
}
