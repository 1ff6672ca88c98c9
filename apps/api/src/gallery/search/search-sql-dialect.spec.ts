import type { GallerySort } from '@atelier/contract';
import { describe, expect, it } from 'vitest';
import { rowConditions, stackCoverCondition, unfiltered, type ResolvedSearch } from './search-predicates.js';
import { pgSearchFrom, pgSortPlan } from './pg-search-sql.js';
import { searchFrom, sortPlan, type ResultRow, type SortKey } from './sqlite-search-sql.js';

const plain: ResolvedSearch = unfiltered({ id: 7, seesAll: false });

/** Every condition rowConditions writes, at least once. */
const searches: Record<string, ResolvedSearch> = {
  plain,
  everything: {
    ...plain,
    include: '{text note filename} : "red"',
    exclude: null,
    checkpointIds: [3],
    samplerIds: [4, 5],
    ownerIds: [],
    loraIds: [8, 9],
    tagIds: [],
    seed: 42,
    from: '2026-01-01T00:00:00.000Z',
    to: '2026-02-01T00:00:00.000Z',
    minRating: 3,
    status: 'approved',
    size: { width: 512, height: 768 },
    aspect: 'portrait',
    hasWorkflow: true,
    stackKey: 'k1',
    boardId: 2,
    tagTerms: [
      { match: '{text note filename} : "cat"', tagIds: [11, 12], negated: false },
      { match: '{text note filename} : "dog"', tagIds: [13], negated: true },
    ],
  },
  excludeOnly: { ...plain, exclude: 'negative : "blurry"', boardId: 4, aspect: 'square' },
  trash: { ...plain, status: 'trashed', hasWorkflow: false, aspect: 'landscape' },
  curatorTrash: { ...plain, status: 'trashed', viewer: { id: 1, seesAll: true } },
};

const sorts: GallerySort[] = ['newest', 'oldest', 'rating', 'random'];

/** What the SQLite engine builds for a search: the texts and parameters its statements run. */
function sqliteOutput(search: ResolvedSearch) {
  return {
    rows: rowConditions(search, 'i'),
    cover: stackCoverCondition(search),
    from: searchFrom(search, true, { withOwner: true }),
    fromPlain: searchFrom(search, false),
    sorts: sorts.map((sort) => {
      const plan = sortPlan(sort, '"i"."id"', 123_456_789);
      return {
        first: plan.segments[0],
        second: plan.segments[1] ?? null,
        count: plan.segments.length,
        after: plan.after([0, 3, 500, 9]),
      };
    }),
  };
}

describe('the shared search SQL by dialect', () => {
  it('writes on SQLite exactly what it wrote before the dialect parameter', () => {
    // The snapshot was recorded from the builders as they were before Postgres (commit b042a27).
    for (const [name, search] of Object.entries(searches)) {
      expect(sqliteOutput(search)).toMatchSnapshot(name);
      expect(rowConditions(search, 'mate', 'sqlite')).toEqual(rowConditions(search, 'mate'));
      expect(stackCoverCondition(search, 'sqlite')).toEqual(stackCoverCondition(search));
    }
  });

  it('writes on Postgres no SQLite hints or FTS5 table, FALSE for empty lists and the same parameters', () => {
    for (const search of Object.values(searches)) {
      const lite = rowConditions(search, 'i');
      const pg = rowConditions(search, 'i', 'postgres');
      expect(pg.params).toEqual(lite.params);
      const cover = stackCoverCondition(search, 'postgres');
      expect(cover.params).toEqual(stackCoverCondition(search).params);
      for (const sql of [pg.sql, cover.sql]) {
        expect(sql).not.toMatch(/\+(i|mate)\.|INDEXED BY|gallery_fts|MATCH|(^|\s)0(\s|$)/);
      }
    }
    const pg = rowConditions(searches['everything']!, 'i', 'postgres').sql;
    // ownerIds and tagIds are empty lists: nothing can match.
    expect(pg.match(/ FALSE/g)).toHaveLength(2);
    expect(pg).toContain(`(i."status" = 'approved' OR i."created_by" = ?)`);
    expect(pg).toContain(`i."sampler_id" IN (?, ?)`);
    expect(pg).toContain(`i."rating" >= ?`);
    expect(pg.match(/i\."search_tsv" @@ \?::tsquery/g)).toHaveLength(2);
    expect(pg).toMatch(/NOT \(i\."search_tsv" @@ \?::tsquery OR EXISTS/);
    expect(sortPlan('newest', '"i"."id"', 0, 'postgres').segments[0]!.condition.sql).toBe('TRUE');
    expect(sortPlan('newest', '"i"."id"', 0).segments[0]!.condition.sql).toBe('1');
  });
});

describe('the Postgres search plan', () => {
  const compare = (a: SortKey, b: SortKey) => {
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
    }
    return 0;
  };

  it('walks random in the order of the SQLite shuffle buckets, in two ranges', () => {
    // Shuffle keys around the start, at bucket edges and at both ends of the range.
    const start = 987_654_321;
    const bucket = 2 ** 31 / 256;
    const keys = [0, 1, start - 1, start, start + 1, bucket * 117, bucket * 118 - 1, 2 ** 31 - 1, 5, 5];
    const rows = keys.map((shuffle, id) => ({ id: id + 1, shuffle, rating: 0 }) as ResultRow);
    const lite = sortPlan('random', '"i"."id"', start);
    const pg = pgSortPlan('random', start);
    const order = (keyOf: (row: ResultRow) => SortKey) =>
      [...rows].sort((a, b) => compare(keyOf(a), keyOf(b))).map((row) => row.id);
    expect(order(pg.keyOf)).toEqual(order(lite.keyOf));
    expect(order(pg.keyOf).slice(0, 2)).toEqual([4, 5]);
    expect(pg.segments.map((segment) => segment.condition)).toEqual([
      { sql: `"i"."shuffle" >= ?`, params: [start] },
      { sql: `"i"."shuffle" < ?`, params: [start] },
    ]);
    expect(pg.segments.every((segment) => segment.match === null)).toBe(true);
    expect(pgSortPlan('rating', start).segments).toHaveLength(6);
  });

  it('matches text on the row and keys pages on the image id', () => {
    const from = pgSearchFrom(searches['everything']!, true, { withOwner: true });
    expect(from.id).toBe('"i"."id"');
    expect(from.sql).toMatch(
      /^FROM "gallery_images" "i" LEFT JOIN "users" "u" .* WHERE "i"\."search_tsv" @@ \?::tsquery AND /,
    );
    expect(from.params[0]).toBe(searches['everything']!.include);
    expect(from.sql).not.toMatch(/gallery_fts|INDEXED BY|\+(i|mate)\./);
    const excluding = pgSearchFrom(searches['excludeOnly']!, false);
    expect(excluding.id).toBe('"board"."image_id"');
    expect(excluding.sql).toMatch(/AND NOT \("i"\."search_tsv" @@ \?::tsquery\)$/);
    expect(excluding.params.at(-1)).toBe(searches['excludeOnly']!.exclude);
  });
});
