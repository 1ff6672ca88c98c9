import type { GallerySort } from '@atelier/contract';
import type { Dialect } from '../../database/dialect.js';
import { rowConditions, stackCoverCondition, type ResolvedSearch, type Sql } from './search-predicates.js';

/** The columns a result row carries: the image, its owner's name, its parameters and curation. */
export const resultColumns = `"i"."id", "i"."sha256", "i"."mime", "i"."bytes", "i"."width", "i"."height",
  "i"."prompt_id", "i"."created_by", "i"."created_at", "u"."username" AS "owner_username", "i"."status",
  "i"."rating", "i"."favorite", "i"."tag_ids", "i"."p_source", "i"."p_positive", "i"."p_negative",
  "i"."checkpoint_id", "i"."sampler_id", "i"."scheduler_id", "i"."p_steps", "i"."p_cfg", "i"."p_seed",
  "i"."p_denoise", "i"."p_width", "i"."p_height", "i"."p_template_id", "i"."p_template_version",
  "i"."p_backend", "i"."p_backend_version", "i"."loras_json", "i"."stack_key", "i"."shuffle", "i"."note"`;

export interface ResultRow {
  id: number;
  sha256: string;
  mime: 'image/png' | 'image/jpeg' | 'image/webp';
  bytes: number;
  width: number;
  height: number;
  prompt_id: string | null;
  created_by: number;
  created_at: string;
  owner_username: string | null;
  status: 'private' | 'pending' | 'approved' | 'rejected';
  rating: number;
  favorite: number;
  tag_ids: string;
  p_source: 'params' | 'graph' | 'png' | 'none';
  p_positive: string | null;
  p_negative: string | null;
  checkpoint_id: number | null;
  sampler_id: number | null;
  scheduler_id: number | null;
  p_steps: number | null;
  p_cfg: number | null;
  p_seed: number | null;
  p_denoise: number | null;
  p_width: number | null;
  p_height: number | null;
  p_template_id: string | null;
  p_template_version: string | null;
  p_backend: string | null;
  p_backend_version: string | null;
  loras_json: string;
  stack_key: string | null;
  shuffle: number;
  note: string | null;
}

/**
 * FROM and WHERE of a search. With text, FTS5 drives: its rowids come newest or oldest first
 * without a sort, so `id` below is the FTS rowid (a range on it reaches FTS5 as a seek).
 */
export function searchFrom(
  search: ResolvedSearch,
  stacks: boolean,
  options: { withOwner?: boolean } = {},
): Sql & { id: string } {
  const rows = rowConditions(search, 'i');
  const where = [rows.sql];
  const params: unknown[] = [];
  let from = `"gallery_images" "i"`;
  let id = `"i"."id"`;
  if (search.include !== null) {
    from = `"gallery_fts" JOIN "gallery_images" "i" ON "i"."id" = "gallery_fts"."rowid"`;
    id = `"gallery_fts"."rowid"`;
    where.unshift(`"gallery_fts" MATCH ?`);
    params.push(search.include);
  } else if (search.boardId !== null) {
    // A board's images come newest first from its key (board, image): a page reads no other row.
    from = `"board_images" "board" JOIN "gallery_images" "i" ON "i"."id" = "board"."image_id"`;
    id = `"board"."image_id"`;
    where.unshift(`"board"."board_id" = ?`);
    params.push(search.boardId);
  }
  params.push(...rows.params);
  if (search.exclude !== null) {
    where.push(`"i"."id" NOT IN (SELECT "rowid" FROM "gallery_fts" WHERE "gallery_fts" MATCH ?)`);
    params.push(search.exclude);
  }
  if (stacks) {
    const cover = stackCoverCondition(search);
    where.push(cover.sql);
    params.push(...cover.params);
  }
  // The owner's name, for result rows; counts and facets go without.
  if (options.withOwner) from += ` LEFT JOIN "users" "u" ON "u"."id" = "i"."created_by"`;
  return { sql: `FROM ${from} WHERE ${where.join(' AND ')}`, params, id };
}

/** Where a page starts: the sort key of the last item shown, its segment first. */
export type SortKey = number[];

/**
 * One stretch of a sort: rows meeting `condition`, in `order`. With text, `match` joins the FTS
 * expression (a facet token: a rating or a shuffle bucket), so FTS5 hands out only that stretch.
 */
export interface SortSegment {
  condition: Sql;
  order: string;
  match: string | null;
}

export interface SortPlan {
  segments: SortSegment[];
  /** The segment a row belongs to and its key within it. */
  keyOf: (row: ResultRow) => SortKey;
  /** Rows strictly after `key`, within the key's segment. */
  after: (key: SortKey) => Sql;
}

/** `sort=random` walks the shuffle key in this many buckets (each a facet token `h<n>`). */
export const shuffleBuckets = 256;
export const shuffleBucketSize = 2 ** 31 / shuffleBuckets;

/**
 * Keyset order for each sort, over `id` (see searchFrom), O(page) with or without text: newest and
 * oldest follow the id; rating runs 5 stars down to 0, newest first within each; random walks the
 * shuffle buckets from the seed's start, wrapping around, in shuffle order within each. Postgres
 * (pg-search-sql.ts) shares newest, oldest and rating (`TRUE` for SQLite's `1`) and walks random its own way.
 */
export function sortPlan(
  sort: GallerySort,
  id: string,
  randomStart: number,
  dialect: Dialect = 'sqlite',
): SortPlan {
  switch (sort) {
    case 'newest':
    case 'oldest': {
      const dir = sort === 'newest' ? 'DESC' : 'ASC';
      const every = dialect === 'sqlite' ? '1' : 'TRUE';
      return {
        segments: [{ condition: { sql: every, params: [] }, order: `${id} ${dir}`, match: null }],
        keyOf: (row) => [0, row.id],
        after: ([, last]) => ({ sql: `${id} ${sort === 'newest' ? '<' : '>'} ?`, params: [last] }),
      };
    }
    case 'rating':
      return {
        // Ratings change in bulk, so they are not in the full-text row: with text, each segment
        // walks the matches newest first testing the rating (slower when few matches have it).
        segments: [5, 4, 3, 2, 1, 0].map((rating) => ({
          condition: { sql: `"i"."rating" = ?`, params: [rating] },
          order: `${id} DESC`,
          match: null,
        })),
        keyOf: (row) => [5 - row.rating, row.rating, row.id],
        after: ([, , last]) => ({ sql: `${id} < ?`, params: [last] }),
      };
    case 'random':
      return randomPlan(id, randomStart);
  }
}

function randomPlan(id: string, start: number): SortPlan {
  const first = Math.floor(start / shuffleBucketSize);
  const bucketOf = (k: number) => (first + k) % shuffleBuckets;
  const segments: SortSegment[] = [];
  // Bucket `first` is split at the start: its upper part comes first, its lower part last.
  for (let k = 0; k <= shuffleBuckets; k++) {
    const bucket = bucketOf(k);
    const low = k === 0 ? start : bucket * shuffleBucketSize;
    const high = k === shuffleBuckets ? start : (bucket + 1) * shuffleBucketSize;
    segments.push({
      condition: { sql: `"i"."shuffle" >= ? AND "i"."shuffle" < ?`, params: [low, high] },
      order: `"i"."shuffle" ASC, ${id} ASC`,
      match: `facets : h${bucket}`,
    });
  }
  return {
    segments,
    keyOf: (row) => {
      const k = (Math.floor(row.shuffle / shuffleBucketSize) - first + shuffleBuckets) % shuffleBuckets;
      return [k === 0 && row.shuffle < start ? shuffleBuckets : k, row.shuffle, row.id];
    },
    after: ([, shuffle, last]) => ({
      sql: `("i"."shuffle" > ? OR ("i"."shuffle" = ? AND ${id} > ?))`,
      params: [shuffle, shuffle, last],
    }),
  };
}
