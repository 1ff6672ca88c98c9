import type { GalleryTextTerm } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { Sql } from '../../database/sql.js';
import { GallerySearchEngine, type FacetSample, type PageOptions } from './gallery-search-engine.js';
import { pgLexeme } from './pg-search-document.js';
import { pgSearchFrom, pgSortPlan } from './pg-search-sql.js';
import { pgAnyWordQuery, pgTextQuery, pgTextTerm } from './pg-text-query.js';
import { rowConditions, type ResolvedSearch, type Sql as SqlText } from './search-predicates.js';
import { usernamesMatching, usernamesOf } from './usernames.js';
import { estimateStretches, estimateTotal, exactCountLimit, facetSampleSize } from './count-estimate.js';
import { resultColumns, type ResultRow, type SortKey } from './sqlite-search-sql.js';

/** documentFrequencies counts a word's images up to this many (see there). */
export const documentFrequencyCap = 5000;

/**
 * Gallery search on Postgres (scale-out mode): each image's `search_tsv` (pgSearchDocument, GIN index)
 * answers the text with FTS5's semantics (pg-text-query.ts), the row conditions and keyset pages are
 * SQLite's (search-predicates.ts, sqlite-search-sql.ts, written for Postgres by dialect). Every count
 * and estimate follows SqliteGallerySearch step by step, so both engines answer a search alike; only
 * "more like this" ranks by ts_rank instead of BM25 (same matches, ties may fall otherwise).
 */
@Injectable()
export class PostgresGallerySearch extends GallerySearchEngine {
  constructor(private readonly sql: Sql) {
    super();
  }

  textQuery(terms: readonly GalleryTextTerm[]): { include: string | null; exclude: string | null } {
    return pgTextQuery(terms);
  }

  textTerm(term: GalleryTextTerm): string {
    return pgTextTerm(term);
  }

  anyWordQuery(words: readonly string[]): string {
    return pgAnyWordQuery(words);
  }

  async page(
    search: ResolvedSearch,
    options: PageOptions,
  ): Promise<{ rows: ResultRow[]; keyOf: (row: ResultRow) => SortKey }> {
    const plan = pgSortPlan(options.sort, options.randomStart);
    const from = pgSearchFrom(search, options.stacks, { withOwner: true });
    const rows: ResultRow[] = [];
    const startSegment = options.after?.[0] ?? 0;
    for (
      let segment = startSegment;
      segment < plan.segments.length && rows.length < options.limit;
      segment++
    ) {
      const { condition, order } = plan.segments[segment]!;
      const after = options.after && segment === startSegment ? plan.after(options.after) : null;
      const text = `SELECT ${resultColumns} ${from.sql}
        AND ${condition.sql}${after ? ` AND ${after.sql}` : ''} ORDER BY ${order} LIMIT ?`;
      const params = [
        ...from.params,
        ...condition.params,
        ...(after?.params ?? []),
        options.limit - rows.length,
      ];
      rows.push(...(await this.sql.all<ResultRow>(text, params)));
    }
    return { rows, keyOf: plan.keyOf };
  }

  async count(search: ResolvedSearch, stacks: boolean): Promise<{ total: number; exact: boolean }> {
    const from = pgSearchFrom(search, stacks);
    const ids = await this.ids(from, exactCountLimit + 1);
    if (ids.length <= exactCountLimit) return { total: ids.length, exact: true };
    return { total: await this.estimate(search, from, ids[0]!, ids.at(-1)!, ids.length), exact: false };
  }

  async stackCounts(search: ResolvedSearch, keys: string[]): Promise<Map<string, number>> {
    if (keys.length === 0) return new Map();
    const mates = rowConditions(search, 'i', 'postgres');
    const text = `SELECT "i"."stack_key" AS "key", count(*) AS "n" FROM "gallery_images" "i"
      WHERE "i"."stack_key" IN (${marks(keys)}) AND ${mates.sql} GROUP BY "i"."stack_key"`;
    const rows = await this.sql.all<{ key: string; n: string | number }>(text, [...keys, ...mates.params]);
    return new Map(rows.map((row) => [row.key, Number(row.n)]));
  }

  async facets(search: ResolvedSearch): Promise<FacetSample> {
    const from = pgSearchFrom(search, false);
    const text = `SELECT ${from.id} AS "id", "i"."checkpoint_id" AS "c", "i"."sampler_id" AS "s",
        "i"."created_by" AS "o", "i"."lora_ids" AS "l", "i"."tag_ids" AS "t" ${from.sql}
        ORDER BY ${from.id} DESC LIMIT ?`;
    const rows = await this.sql.all<FacetRow>(text, [...from.params, facetSampleSize + 1]);
    const sample: FacetSample = {
      checkpoints: new Map(),
      samplers: new Map(),
      loras: new Map(),
      tags: new Map(),
      owners: new Map(),
      counted: Math.min(rows.length, facetSampleSize),
      total: rows.length,
    };
    const bump = (map: Map<number, number>, id: number | null) => {
      if (id !== null) map.set(id, (map.get(id) ?? 0) + 1);
    };
    const ids = (list: string, map: Map<number, number>) => {
      if (list === '') return;
      for (const id of list.split(' ')) bump(map, Number(id));
    };
    for (const row of rows.slice(0, facetSampleSize)) {
      bump(sample.checkpoints, row.c);
      bump(sample.samplers, row.s);
      bump(sample.owners, row.o);
      ids(row.l, sample.loras);
      ids(row.t, sample.tags);
    }
    if (rows.length > facetSampleSize) {
      // As on SQLite: the sample's first and last ids (one past the sample) give the newest density.
      sample.total = await this.estimate(search, from, rows[0]!.id, rows.at(-1)!.id, rows.length);
    }
    return sample;
  }

  matchIds(search: ResolvedSearch, limit: number): Promise<number[]> {
    return this.ids(pgSearchFrom(search, false), limit);
  }

  async similar(search: ResolvedSearch, imageId: number, limit: number): Promise<ResultRow[]> {
    const from = pgSearchFrom(search, false, { withOwner: true });
    // ts_rank over the same expression the match used (`include`); newest first among equals.
    const text = `SELECT ${resultColumns} ${from.sql} AND "i"."id" <> ?
      ORDER BY ts_rank("i"."search_tsv", ?::tsquery) DESC, "i"."id" DESC LIMIT ?`;
    return this.sql.all<ResultRow>(text, [...from.params, imageId, search.include ?? '', limit]);
  }

  async byIds(search: ResolvedSearch, ids: number[]): Promise<ResultRow[]> {
    if (ids.length === 0) return [];
    const rows = rowConditions(search, 'i', 'postgres');
    const text = `SELECT ${resultColumns} FROM "gallery_images" "i" LEFT JOIN "users" "u" ON "u"."id" = "i"."created_by"
      WHERE "i"."id" IN (${marks(ids)}) AND ${rows.sql}`;
    return this.sql.all<ResultRow>(text, [...ids, ...rows.params]);
  }

  async visibleIds(search: ResolvedSearch, ids: number[]): Promise<number[]> {
    if (ids.length === 0) return [];
    const rows = rowConditions(search, 'i', 'postgres');
    const text = `SELECT "i"."id" AS "id" FROM "gallery_images" "i" WHERE "i"."id" IN (${marks(ids)}) AND ${rows.sql}`;
    return (await this.sql.all<{ id: number }>(text, [...ids, ...rows.params])).map((row) => row.id);
  }

  /**
   * In how many images each word occurs, in any column: what FTS5's row vocabulary counts (trashed
   * images included, as their full-text rows stay), up to documentFrequencyCap. One GIN lookup per
   * word, in one statement; words no image holds are left out, as the vocabulary has no row for them.
   * The cap: FTS5 keeps these counts in its index, Postgres would visit every matching row (170 ms for a
   * word in 300,000 images, per word), and "more like this" only ranks the rare words.
   */
  async documentFrequencies(words: string[]): Promise<Map<string, number>> {
    if (words.length === 0) return new Map();
    const text = words
      .map(
        (_, index) =>
          `SELECT ${index} AS "k", count(*) AS "n"
           FROM (SELECT 1 FROM "gallery_images" WHERE "search_tsv" @@ ?::tsquery LIMIT ?) AS "d${index}"`,
      )
      .join(' UNION ALL ');
    const params = words.flatMap((word) => [pgLexeme(word), documentFrequencyCap]);
    const rows = await this.sql.all<{ k: number; n: string | number }>(text, params);
    return new Map(
      rows.filter((row) => Number(row.n) > 0).map((row) => [words[row.k]!, Number(row.n)] as const),
    );
  }

  usernames(ids: number[]): Promise<Map<number, string>> {
    return usernamesOf(this.sql, ids);
  }

  usernamesLike(prefix: string, limit: number): Promise<string[]> {
    return usernamesMatching(this.sql, prefix, limit);
  }

  async anyWith(search: ResolvedSearch): Promise<boolean> {
    const from = pgSearchFrom(search, false);
    return (await this.sql.get(`SELECT 1 AS "one" ${from.sql} LIMIT 1`, from.params)) !== undefined;
  }

  /** The matches' ids, newest first, at most `limit`. */
  private async ids(from: SqlText & { id: string }, limit: number): Promise<number[]> {
    const text = `SELECT ${from.id} AS "id" ${from.sql} ORDER BY ${from.id} DESC LIMIT ?`;
    return (await this.sql.all<{ id: number }>(text, [...from.params, limit])).map((row) => row.id);
  }

  /** The count past exactCountLimit, from the same stretches SqliteGallerySearch reads (count-estimate.ts). */
  private async estimate(
    search: ResolvedSearch,
    from: SqlText & { id: string },
    newest: number,
    last: number,
    found: number,
  ): Promise<number> {
    const lowest =
      (await this.sql.get<{ low: number | null }>(`SELECT min("id") AS "low" FROM "gallery_images"`))?.low ??
      1;
    const matches = { newest, last, found, lowest, text: search.include !== null };
    const stretches = estimateStretches(matches);
    const window = `SELECT count(*) AS "n" FROM (SELECT 1 ${from.sql} AND ${from.id} BETWEEN ? AND ? LIMIT ?) AS "w"`;
    const counts: number[] = [];
    for (const { low, high, cap } of stretches) {
      const row = await this.sql.get<{ n: string | number }>(window, [...from.params, low, high, cap]);
      counts.push(Number(row?.n ?? 0));
    }
    return estimateTotal(matches, stretches, counts);
  }
}

interface FacetRow {
  id: number;
  c: number | null;
  s: number | null;
  o: number;
  l: string;
  t: string;
}

function marks(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}
