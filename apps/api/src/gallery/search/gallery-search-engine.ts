import type { GallerySort, GalleryTextTerm } from '@atelier/contract';
import type { ResolvedSearch } from './search-predicates.js';
import type { ResultRow, SortKey } from './sqlite-search-sql.js';

/** Facet counts over the newest matches. */
export interface FacetSample {
  /** id → how many of the sampled matches carry it, per field. */
  checkpoints: Map<number, number>;
  samplers: Map<number, number>;
  loras: Map<number, number>;
  tags: Map<number, number>;
  owners: Map<number, number>;
  /** Matches counted (at most facetSampleSize) and the estimated total. */
  counted: number;
  total: number;
}

export interface PageOptions {
  sort: GallerySort;
  stacks: boolean;
  randomStart: number;
  after: SortKey | null;
  limit: number;
}

/**
 * The gallery's search engine: SQLite (FTS5) embedded, Postgres (tsvector + GIN) in scale-out mode
 * (GalleryModule provides the one for the configured database). The service speaks to it in resolved
 * searches (ids, not names) and the engine's own text expressions, so both answer the same query
 * syntax with the same semantics. Rows come back in one shape on both engines (ResultRow: `favorite`
 * 0/1, `created_at` the ISO text the column holds on both).
 */
export abstract class GallerySearchEngine {
  /**
   * The text expressions of a search in this engine's syntax: `include` for the terms that must occur,
   * `exclude` for those that must not (set only when nothing is included: the engine subtracts its
   * matches). Every value is quoted: nothing a user types is read as syntax.
   */
  abstract textQuery(terms: readonly GalleryTextTerm[]): { include: string | null; exclude: string | null };
  /** One term's expression (tag alternatives: ResolvedSearch.tagTerms[].match). */
  abstract textTerm(term: GalleryTextTerm): string;
  /**
   * An expression matching images whose positive prompt holds any of `words` (already folded by
   * ftsWords), for `similar`'s ranking ("more like this"). Filters are not folded into any expression
   * given to the engine: an engine that speeds filters up through its text index adds them itself.
   */
  abstract anyWordQuery(words: readonly string[]): string;

  /** One page (plus one row, to tell whether another follows) after `options.after`. */
  abstract page(
    search: ResolvedSearch,
    options: PageOptions,
  ): Promise<{ rows: ResultRow[]; keyOf: (row: ResultRow) => SortKey }>;
  /** How many match: exact up to exactCountLimit, else an estimate. */
  abstract count(search: ResolvedSearch, stacks: boolean): Promise<{ total: number; exact: boolean }>;
  /** The stack sizes of the given keys, counting only the members the search matches. */
  abstract stackCounts(search: ResolvedSearch, keys: string[]): Promise<Map<string, number>>;
  /** Counts per facet over the newest matches (all of them when there are at most facetSampleSize). */
  abstract facets(search: ResolvedSearch): Promise<FacetSample>;
  /** The ids of the matches, newest first, at most `limit`. */
  abstract matchIds(search: ResolvedSearch, limit: number): Promise<number[]>;
  /** Closest by text rank over the search's text expression; never the image itself. */
  abstract similar(search: ResolvedSearch, imageId: number, limit: number): Promise<ResultRow[]>;
  /** Rows by id (those the viewer may see), in no particular order. */
  abstract byIds(search: ResolvedSearch, ids: number[]): Promise<ResultRow[]>;
  /** Those of `ids` the search allows. */
  abstract visibleIds(search: ResolvedSearch, ids: number[]): Promise<number[]>;
  /** In how many documents each word of the positive prompts occurs. */
  abstract documentFrequencies(words: string[]): Promise<Map<string, number>>;
  /** Usernames by user id. */
  abstract usernames(ids: number[]): Promise<Map<number, string>>;
  /** Usernames starting with (then containing) `prefix`, case-insensitive. */
  abstract usernamesLike(prefix: string, limit: number): Promise<string[]>;
  /** Whether any image the search allows matches. */
  abstract anyWith(search: ResolvedSearch): Promise<boolean>;
}
