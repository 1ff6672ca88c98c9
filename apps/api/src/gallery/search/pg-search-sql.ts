import type { GallerySort } from '@atelier/contract';
import { rowConditions, stackCoverCondition, type ResolvedSearch, type Sql } from './search-predicates.js';
import { sortPlan, type SortPlan } from './sqlite-search-sql.js';

/**
 * FROM and WHERE of a search on Postgres: the rows of gallery_images, the text a filter on the row's
 * own `search_tsv` (GIN), so `id` is always the image's (a board's images still come from its key, as
 * on SQLite). `search.include`/`exclude` are tsquery texts (pg-text-query.ts); an exclude-only search
 * keeps the rows its expression does not match.
 */
export function pgSearchFrom(
  search: ResolvedSearch,
  stacks: boolean,
  options: { withOwner?: boolean } = {},
): Sql & { id: string } {
  const rows = rowConditions(search, 'i', 'postgres');
  const where = [rows.sql];
  const params: unknown[] = [];
  let from = `"gallery_images" "i"`;
  let id = `"i"."id"`;
  if (search.include !== null) {
    where.unshift(`"i"."search_tsv" @@ ?::tsquery`);
    params.push(search.include);
  } else if (search.boardId !== null) {
    from = `"board_images" "board" JOIN "gallery_images" "i" ON "i"."id" = "board"."image_id"`;
    id = `"board"."image_id"`;
    where.unshift(`"board"."board_id" = ?`);
    params.push(search.boardId);
  }
  params.push(...rows.params);
  if (search.exclude !== null) {
    where.push(`NOT ("i"."search_tsv" @@ ?::tsquery)`);
    params.push(search.exclude);
  }
  if (stacks) {
    const cover = stackCoverCondition(search, 'postgres');
    where.push(cover.sql);
    params.push(...cover.params);
  }
  if (options.withOwner) from += ` LEFT JOIN "users" "u" ON "u"."id" = "i"."created_by"`;
  return { sql: `FROM ${from} WHERE ${where.join(' AND ')}`, params, id };
}

/**
 * Keyset order for each sort on Postgres, in the same order as SQLite's (sortPlan): newest, oldest and
 * rating as there; random from the seed's start up to the end of the shuffle keys, then from 0 up to
 * the start. SQLite walks the same order in 256 buckets so that FTS5 can narrow each by its facet
 * token; here the text is a filter on the row, so two ranges do (a sparse match reads two, not 257).
 */
export function pgSortPlan(sort: GallerySort, randomStart: number): SortPlan {
  const id = `"i"."id"`;
  if (sort !== 'random') return sortPlan(sort, id, randomStart, 'postgres');
  const order = `"i"."shuffle" ASC, ${id} ASC`;
  return {
    segments: [
      { condition: { sql: `"i"."shuffle" >= ?`, params: [randomStart] }, order, match: null },
      { condition: { sql: `"i"."shuffle" < ?`, params: [randomStart] }, order, match: null },
    ],
    keyOf: (row) => [row.shuffle >= randomStart ? 0 : 1, row.shuffle, row.id],
    after: ([, shuffle, last]) => ({
      sql: `("i"."shuffle" > ? OR ("i"."shuffle" = ? AND ${id} > ?))`,
      params: [shuffle, shuffle, last],
    }),
  };
}
