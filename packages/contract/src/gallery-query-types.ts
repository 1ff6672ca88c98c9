/**
 * The shapes and limits of the gallery query syntax (gallery-query.ts), in a file of their own so the
 * lexer, the key table and the parser can share them without importing one another in a circle.
 */
import type { GalleryFilters } from './gallery-search.js';

/** The longest query read, in UTF-16 units (what `<input maxlength>` counts): the rest is a problem. */
export const galleryQueryMaxLength = 1000;

/** The most text terms a query holds: further ones are a problem (each term costs the index). */
export const galleryQueryMaxTerms = 32;

/** The structured filters a query can carry: every GalleryFilters field but `q` itself. */
export type GalleryQueryFilters = Omit<GalleryFilters, 'q'>;

/** The name of one structured filter (`checkpoint`, `min_rating`, …). */
export type GalleryFilterName = keyof GalleryQueryFilters;

/**
 * One full-text term. `word` matches a whole word, `prefix` any word starting with `value`,
 * `phrase` the words of `value` in that order. `field: 'negative'` (from `neg:`) searches the
 * negative prompt instead of the positive prompt, tags, notes and file name. Values are NFKC and
 * lower case; a word may still hold punctuation (`client-a`), which the API tokenises the way its
 * index does.
 */
export interface GalleryTextTerm {
  kind: 'word' | 'prefix' | 'phrase';
  value: string;
  negated: boolean;
  field: 'text' | 'negative';
}

/**
 * Something in the query that was not applied, with the span to underline: offsets are UTF-16
 * indices into the text as given (what an `<input>`'s selectionStart counts), `end` exclusive.
 */
export interface GalleryQueryProblem {
  message: string;
  start: number;
  end: number;
}

/** A parsed query: the text terms in the order typed, the filters, and what was not applied. */
export interface ParsedGalleryQuery {
  terms: GalleryTextTerm[];
  filters: GalleryQueryFilters;
  problems: GalleryQueryProblem[];
}
