import type { GalleryTextTerm } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import type BetterSqlite3 from 'better-sqlite3';
import { Sql } from '../../database/sql.js';
import { SqliteSql } from '../../database/sql-sqlite.js';
import { usernamesMatching, usernamesOf } from './usernames.js';
import { estimateStretches, estimateTotal, exactCountLimit, facetSampleSize } from './count-estimate.js';
import { facetExpression } from './facet-tokens.js';
import { ftsExpressions, ftsTerm } from './fts-expression.js';
import { GallerySearchEngine, type FacetSample, type PageOptions } from './gallery-search-engine.js';
import { rowConditions, type ResolvedSearch, type Sql as SqlPart } from './search-predicates.js';
import { anyWordExpression } from './similar-words.js';
import { resultColumns, searchFrom, sortPlan, type ResultRow, type SortKey } from './sqlite-search-sql.js';

type Db = BetterSqlite3.Database;

/**
 * Gallery search on SQLite: FTS5 for text, indexes for filters, keyset pages for every sort.
 * Statements run on the better-sqlite3 handle itself (pluck, raw rows, iterate: the facets read
 * thousands of rows), each method's reads in one SqliteSql.exclusive call: never while another
 * request's transaction is open on the one connection, whose uncommitted rows they would see.
 */
@Injectable()
export class SqliteGallerySearch extends GallerySearchEngine {
  private readonly sql: SqliteSql;
  private handle: Db | null = null;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(sql: Sql) {
    super();
    if (!(sql instanceof SqliteSql)) throw new Error('SqliteGallerySearch runs on SQLite only');
    this.sql = sql;
  }

  textQuery(terms: readonly GalleryTextTerm[]): { include: string | null; exclude: string | null } {
    return ftsExpressions(terms);
  }

  textTerm(term: GalleryTextTerm): string {
    return ftsTerm(term);
  }

  anyWordQuery(words: readonly string[]): string {
    return anyWordExpression(words);
  }

  page(
    search: ResolvedSearch,
    options: PageOptions,
  ): Promise<{ rows: ResultRow[]; keyOf: (row: ResultRow) => SortKey }> {
    const narrowedBy = withFacets(search);
    const plan = sortPlan(
      options.sort,
      search.include === null ? '"i"."id"' : '"gallery_fts"."rowid"',
      options.randomStart,
    );
    return this.sql.exclusive((db) => {
      const rows: ResultRow[] = [];
      const startSegment = options.after?.[0] ?? 0;
      for (
        let segment = startSegment;
        segment < plan.segments.length && rows.length < options.limit;
        segment++
      ) {
        const { condition, order, match } = plan.segments[segment]!;
        const narrowed =
          narrowedBy.include !== null && match !== null
            ? { ...narrowedBy, include: `(${narrowedBy.include}) AND ${match}` }
            : narrowedBy;
        const from = searchFrom(narrowed, options.stacks, { withOwner: true });
        const after = options.after && segment === startSegment ? plan.after(options.after) : null;
        const sql = `SELECT ${resultColumns} ${from.sql}
          AND ${condition.sql}${after ? ` AND ${after.sql}` : ''} ORDER BY ${order} LIMIT ?`;
        const params = [
          ...from.params,
          ...condition.params,
          ...(after?.params ?? []),
          options.limit - rows.length,
        ];
        rows.push(...(this.statement(db, sql).all(...params) as ResultRow[]));
      }
      return { rows, keyOf: plan.keyOf };
    });
  }

  count(search: ResolvedSearch, stacks: boolean): Promise<{ total: number; exact: boolean }> {
    return this.sql.exclusive((db) => this.countWithin(db, withFacets(search), stacks, exactCountLimit));
  }

  stackCounts(search: ResolvedSearch, keys: string[]): Promise<Map<string, number>> {
    if (keys.length === 0) return Promise.resolve(new Map<string, number>());
    const mates = rowConditions(search, 'i');
    // INDEXED BY: the page's few stacks, not every row a filter's own index would walk (seconds).
    const sql = `SELECT "i"."stack_key" AS "key", count(*) AS "n" FROM "gallery_images" "i" INDEXED BY "ix_gallery_images_stack"
      WHERE "i"."stack_key" IN (${keys.map(() => '?').join(', ')}) AND ${mates.sql} GROUP BY "i"."stack_key"`;
    return this.sql.exclusive((db) => {
      const rows = this.statement(db, sql).all(...keys, ...mates.params) as { key: string; n: number }[];
      return new Map(rows.map((row) => [row.key, row.n]));
    });
  }

  facets(search: ResolvedSearch): Promise<FacetSample> {
    const narrowed = withFacets(search);
    const from = searchFrom(narrowed, false);
    const sql = `SELECT ${from.id}, "i"."checkpoint_id" AS "c", "i"."sampler_id" AS "s", "i"."created_by" AS "o",
        "i"."lora_ids" AS "l", "i"."tag_ids" AS "t" ${from.sql} ORDER BY ${from.id} DESC LIMIT ?`;
    return this.sql.exclusive((db) => {
      const sample: FacetSample = {
        checkpoints: new Map(),
        samplers: new Map(),
        loras: new Map(),
        tags: new Map(),
        owners: new Map(),
        counted: 0,
        total: 0,
      };
      const bump = (map: Map<number, number>, id: number | null) => {
        if (id !== null) map.set(id, (map.get(id) ?? 0) + 1);
      };
      const ids = (list: string, map: Map<number, number>) => {
        if (list === '') return;
        for (const id of list.split(' ')) bump(map, Number(id));
      };
      const rows = this.statement(db, sql, 'raw').iterate(
        ...from.params,
        facetSampleSize + 1,
      ) as IterableIterator<[number, number | null, number | null, number, string, string]>;
      let newest = 0;
      let last = 0;
      for (const row of rows) {
        sample.counted += 1;
        const [id, checkpoint, sampler, owner, loras, tags] = row;
        if (sample.counted === 1) newest = id;
        last = id;
        if (sample.counted > facetSampleSize) break;
        bump(sample.checkpoints, checkpoint);
        bump(sample.samplers, sampler);
        bump(sample.owners, owner);
        ids(loras, sample.loras);
        ids(tags, sample.tags);
      }
      if (sample.counted <= facetSampleSize) {
        sample.total = sample.counted;
      } else {
        // The sample's own first and last ids give the newest density: no second read of those rows.
        sample.total = this.estimate(db, narrowed, from, newest, last, sample.counted);
        sample.counted = facetSampleSize;
      }
      return sample;
    });
  }

  /** Bulk actions and exports walk these. */
  matchIds(search: ResolvedSearch, limit: number): Promise<number[]> {
    const from = searchFrom(withFacets(search), false);
    const sql = `SELECT ${from.id} ${from.sql} ORDER BY ${from.id} DESC LIMIT ?`;
    return this.sql.exclusive(
      (db) => this.statement(db, sql, 'pluck').all(...from.params, limit) as number[],
    );
  }

  /** Same checkpoint, the closest prompts by BM25 over the given FTS expression (no facet tokens: they would rank). */
  similar(search: ResolvedSearch, imageId: number, limit: number): Promise<ResultRow[]> {
    const from = searchFrom(search, false, { withOwner: true });
    const sql = `SELECT ${resultColumns} ${from.sql}
      AND "i"."id" <> ? ORDER BY "gallery_fts"."rank" LIMIT ?`;
    return this.sql.exclusive(
      (db) => this.statement(db, sql).all(...from.params, imageId, limit) as ResultRow[],
    );
  }

  byIds(search: ResolvedSearch, ids: number[]): Promise<ResultRow[]> {
    const rows = rowConditions(search, 'i');
    const sql = `SELECT ${resultColumns} FROM "gallery_images" "i" LEFT JOIN "users" "u" ON "u"."id" = "i"."created_by"
      WHERE "i"."id" IN (${ids.map(() => '?').join(', ')}) AND ${rows.sql}`;
    return this.sql.exclusive((db) => this.statement(db, sql).all(...ids, ...rows.params) as ResultRow[]);
  }

  /** A selection's check: ids only, not the rows' prompts. */
  visibleIds(search: ResolvedSearch, ids: number[]): Promise<number[]> {
    const rows = rowConditions(search, 'i');
    const sql = `SELECT "i"."id" FROM "gallery_images" "i" WHERE "i"."id" IN (${ids.map(() => '?').join(', ')}) AND ${rows.sql}`;
    return this.sql.exclusive(
      (db) => this.statement(db, sql, 'pluck').all(...ids, ...rows.params) as number[],
    );
  }

  /** For choosing distinctive words ("more like this"). */
  documentFrequencies(words: string[]): Promise<Map<string, number>> {
    if (words.length === 0) return Promise.resolve(new Map<string, number>());
    const sql = `SELECT "term", "doc" FROM "gallery_fts_vocab" WHERE "term" IN (${words.map(() => '?').join(', ')})`;
    return this.sql.exclusive((db) => {
      const rows = this.statement(db, sql).all(...words) as { term: string; doc: number }[];
      return new Map(rows.map((row) => [row.term, row.doc]));
    });
  }

  // Plain reads of users: through the Sql port, which queues them behind an open transaction too.
  usernames(ids: number[]): Promise<Map<number, string>> {
    return usernamesOf(this.sql, ids);
  }

  usernamesLike(prefix: string, limit: number): Promise<string[]> {
    return usernamesMatching(this.sql, prefix, limit);
  }

  /** Autocomplete offers only values some image the viewer may see carries. */
  anyWith(search: ResolvedSearch): Promise<boolean> {
    const from = searchFrom(withFacets(search), false);
    return this.sql.exclusive(
      (db) => this.statement(db, `SELECT 1 ${from.sql} LIMIT 1`).get(...from.params) !== undefined,
    );
  }

  private countWithin(
    db: Db,
    search: ResolvedSearch,
    stacks: boolean,
    limit: number,
  ): { total: number; exact: boolean } {
    const from = searchFrom(search, stacks);
    const ids = this.statement(
      db,
      `SELECT ${from.id} ${from.sql} ORDER BY ${from.id} DESC LIMIT ?`,
      'pluck',
    ).all(...from.params, limit + 1) as number[];
    if (ids.length <= limit) return { total: ids.length, exact: true };
    return { total: this.estimate(db, search, from, ids[0]!, ids.at(-1)!, ids.length), exact: false };
  }
  /** The count past exactCountLimit from the matches read newest first, by count-estimate.ts's stretches. */
  private estimate(
    db: Db,
    search: ResolvedSearch,
    from: SqlPart & { id: string },
    newest: number,
    last: number,
    found: number,
  ): number {
    const lowest =
      (this.statement(db, `SELECT min("id") FROM "gallery_images"`, 'pluck').get() as number | null) ?? 1;
    const matches = { newest, last, found, lowest, text: search.include !== null };
    const stretches = estimateStretches(matches);
    const window = this.statement(
      db,
      `SELECT count(*) FROM (SELECT 1 ${from.sql} AND ${from.id} BETWEEN ? AND ? LIMIT ?)`,
      'pluck',
    );
    const counts = stretches.map(
      ({ low, high, cap }) => window.get(...from.params, low, high, cap) as number,
    );
    return estimateTotal(matches, stretches, counts);
  }

  /**
   * Prepared once per SQL text and result mode (searches repeat a handful of shapes); again after the
   * handle changes. `pluck` answers the first column's values, `raw` arrays instead of objects.
   */
  private statement(db: Db, sql: string, mode: 'rows' | 'pluck' | 'raw' = 'rows'): BetterSqlite3.Statement {
    if (db !== this.handle) {
      this.statements.clear();
      this.handle = db;
    }
    const key = `${mode}\u0000${sql}`;
    let statement = this.statements.get(key);
    if (!statement) {
      if (this.statements.size >= 500) this.statements.clear();
      statement = db.prepare(sql);
      if (mode === 'pluck') statement.pluck();
      if (mode === 'raw') statement.raw();
      this.statements.set(key, statement);
    }
    return statement;
  }
}

/**
 * With text, the filters also go into the MATCH as facet tokens (facet-tokens.ts): FTS5 intersects
 * their posting lists first instead of testing every row the words match.
 */
function withFacets(search: ResolvedSearch): ResolvedSearch {
  if (search.include === null) return search;
  const facets = facetExpression(search);
  return facets === null ? search : { ...search, include: `(${search.include}) AND ${facets}` };
}
