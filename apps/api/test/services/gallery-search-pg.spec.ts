import type { GallerySort, GalleryTextTerm } from '@atelier/contract';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { createSql } from '../../src/database/sql.js';
import { ftsWords } from '../../src/gallery/search/fts-words.js';
import type { GallerySearchEngine } from '../../src/gallery/search/gallery-search-engine.js';
import { PostgresGallerySearch } from '../../src/gallery/search/postgres-gallery-search.js';
import { unfiltered, type ResolvedSearch } from '../../src/gallery/search/search-predicates.js';
import { SqliteGallerySearch } from '../../src/gallery/search/sqlite-gallery-search.js';
import type { ResultRow, SortKey } from '../../src/gallery/search/sqlite-search-sql.js';
import { createdAt, insertImage, seedGallery, seededImages, users } from './gallery-search-seed.js';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database.js';

/**
 * The two search engines on one gallery: SqliteGallerySearch (FTS5) on a migrated SQLite file and
 * PostgresGallerySearch (tsvector + GIN) on a migrated scratch Postgres database, seeded alike. Every
 * search must give the same rows in the same order (similar: the same set, as BM25 and ts_rank may
 * order equals otherwise). Needs ATELIER_TEST_DATABASE_URL.
 */
const images = seededImages(60, 300);
const all = images.map((image) => image.id);

type Text = Omit<GalleryTextTerm, 'negated' | 'field' | 'kind'> & Partial<GalleryTextTerm>;
interface Case extends Partial<Omit<ResolvedSearch, 'include' | 'exclude' | 'tagTerms'>> {
  text?: Text[];
  tagTerms?: { term: Text; tagIds: number[] }[];
}

const term = (t: Text): GalleryTextTerm => ({ kind: 'word', negated: false, field: 'text', ...t });

function resolve(engine: GallerySearchEngine, c: Case): ResolvedSearch {
  const { include, exclude } = engine.textQuery((c.text ?? []).map(term));
  return {
    ...unfiltered({ id: 1, seesAll: true }),
    ...c,
    include,
    exclude,
    tagTerms: (c.tagTerms ?? []).map(({ term: t, tagIds }) => ({
      match: engine.textTerm(term({ ...t, negated: false })),
      tagIds,
      negated: t.negated ?? false,
    })),
  };
}

const cases: Record<string, Case> = {
  everything: {},
  word: { text: [{ value: 'castle' }] },
  twoWords: { text: [{ value: 'castle' }, { value: 'RED' }] },
  prefix: { text: [{ value: 'car', kind: 'prefix' }] },
  multiWordPrefix: { text: [{ value: 'red ca', kind: 'prefix' }] },
  phrase: { text: [{ value: 'red car', kind: 'phrase' }] },
  punctuated: { text: [{ value: 'client-a' }] },
  diacritics: { text: [{ value: 'cafe' }, { value: 'CRÈME' }, { value: 'angstrom' }] },
  negative: { text: [{ value: 'blurry', field: 'negative' }] },
  negativePhrase: { text: [{ value: 'low quality', kind: 'phrase', field: 'negative' }] },
  note: { text: [{ value: 'note' }] },
  longWord: { text: [{ value: '漢'.repeat(1000) }, { value: '字'.repeat(1000), field: 'negative' }] },
  filename: { text: [{ value: 'png' }, { value: '0'.repeat(63) + 'a' }] },
  excluded: {
    text: [
      { value: 'red' },
      { value: 'car', negated: true },
      { value: 'blurry', field: 'negative', negated: true },
    ],
  },
  excludeOnly: {
    text: [
      { value: 'castle', negated: true },
      { value: 'watermark', field: 'negative', negated: true },
    ],
  },
  noWords: { text: [{ value: 'red' }, { value: '!!!' }] },
  noWordsExcluded: { text: [{ value: 'red' }, { value: '!!!', negated: true }] },
  noWordsExcludeOnly: { text: [{ value: '***', negated: true }] },
  tagAlternative: { tagTerms: [{ term: { value: 'sunset' }, tagIds: [9] }] },
  tagAlternativeNegated: {
    text: [{ value: 'car' }],
    tagTerms: [{ term: { value: 'sunset', negated: true }, tagIds: [9] }],
  },
  filters: { checkpointIds: [1], samplerIds: [4, 5], loraIds: [7], hasWorkflow: true },
  moreFilters: { tagIds: [10, 11], minRating: 2, aspect: 'portrait', seed: 3 },
  textAndFilters: {
    text: [{ value: 'filler' }],
    ownerIds: [2, 3],
    status: 'approved',
    size: { width: 512, height: 512 },
  },
  nothingCanMatch: { text: [{ value: 'car' }], ownerIds: [] },
  dates: { from: createdAt(20), to: createdAt(200), aspect: 'square' },
  plainViewer: { viewer: { id: 2, seesAll: false }, text: [{ value: 'red' }] },
  plainViewerAll: { viewer: { id: 3, seesAll: false } },
  trash: { status: 'trashed' },
  plainTrash: { status: 'trashed', viewer: { id: 2, seesAll: false } },
  stack: { stackKey: 'stack-2' },
  board: { boardId: 1 },
  boardWithText: { boardId: 1, text: [{ value: 'filler' }] },
};

describe('gallery search: Postgres answers as SQLite', () => {
  let database: ScratchDatabase;
  let rootDir: string;
  let sqliteSource: DataSource;
  let pgSource: DataSource;
  let lite: GallerySearchEngine;
  let pg: GallerySearchEngine;

  const migrated = async (env: Record<string, string>) => {
    const options = { ...dataSourceOptions(loadConfig({ LOG_LEVEL: 'silent', ...env })), logger: undefined };
    const source = new DataSource({ ...options, logging: false } as DataSourceOptions);
    await source.initialize();
    return source;
  };

  beforeAll(async () => {
    database = await createScratchDatabase('atelier_search');
    rootDir = await mkdtemp(join(tmpdir(), 'atelier-search-pg-'));
    sqliteSource = await migrated({ ATELIER_ROOT_DIR: rootDir });
    pgSource = await migrated({ ATELIER_ROOT_DIR: rootDir, ATELIER_DATABASE_URL: database.url });
    const liteSql = createSql(sqliteSource);
    const pgSql = createSql(pgSource);
    await liteSql.transaction((tx) => seedGallery(tx, images));
    await pgSql.transaction((tx) => seedGallery(tx, images));
    lite = new SqliteGallerySearch(liteSql);
    pg = new PostgresGallerySearch(pgSql);
  }, 120_000);

  afterAll(async () => {
    if (pgSource?.isInitialized) await pgSource.destroy();
    if (sqliteSource?.isInitialized) await sqliteSource.destroy();
    await database?.drop();
    if (rootDir) await rm(rootDir, { recursive: true, force: true });
  });

  /** Every page of a search, `limit` at a time, each after the last row's key. */
  async function walk(
    engine: GallerySearchEngine,
    c: Case,
    sort: GallerySort,
    stacks: boolean,
    limit = 7,
  ): Promise<ResultRow[]> {
    const search = resolve(engine, c);
    const rows: ResultRow[] = [];
    let after: SortKey | null = null;
    for (let pages = 0; pages < 200; pages++) {
      const page = await engine.page(search, {
        sort,
        stacks,
        randomStart: 987_654_321,
        after,
        limit: limit + 1,
      });
      rows.push(...page.rows.slice(0, limit));
      if (page.rows.length <= limit) return rows;
      after = page.keyOf(page.rows[limit - 1]!);
    }
    throw new Error('more than 200 pages');
  }

  const both = async <T>(c: Case, run: (engine: GallerySearchEngine, search: ResolvedSearch) => Promise<T>) =>
    [await run(lite, resolve(lite, c)), await run(pg, resolve(pg, c))] as const;

  it('matches the same images in the same order for every search and sort, paged', async () => {
    for (const [name, c] of Object.entries(cases)) {
      for (const sort of ['newest', 'oldest', 'rating', 'random'] as const) {
        const [a, b] = [await walk(lite, c, sort, false), await walk(pg, c, sort, false)];
        expect({ name, sort, ids: b.map((row) => row.id) }).toEqual({
          name,
          sort,
          ids: a.map((row) => row.id),
        });
        // The rows themselves alike: numbers as numbers, favorite 0/1, created_at the stored text.
        expect(b).toEqual(a);
      }
    }
  });

  it('finds what each text term names, so the comparison compares something', async () => {
    const ids = async (c: Case) =>
      (await walk(pg, c, 'newest', false, 500)).map((row) => row.id).sort((x, y) => x - y);
    // The phrase matches within one column (2: prompt, 3: note), never across (1: prompt "…red", note "car…").
    expect(await ids(cases['phrase']!)).toEqual(expect.arrayContaining([2, 3, 7]));
    expect(await ids({ text: [{ value: 'red' }, { value: 'car' }] })).toContain(1);
    expect(await ids(cases['phrase']!)).not.toContain(1);
    // "red carpet" is no "red car"; as a prefix it is.
    expect(await ids(cases['phrase']!)).not.toContain(5);
    expect(await walk(lite, cases['phrase']!, 'newest', false)).not.toContainEqual(
      expect.objectContaining({ id: 1 }),
    );
    expect(await ids(cases['multiWordPrefix']!)).toEqual(expect.arrayContaining([2, 3, 5]));
    expect(await ids(cases['diacritics']!)).toEqual([4]);
    expect(await ids(cases['punctuated']!)).toEqual([5]);
    expect(await ids(cases['longWord']!)).toEqual([9]);
    expect(await ids(cases['noWords']!)).toEqual([]);
    expect(await ids(cases['noWordsExcludeOnly']!)).toEqual(all.filter((id) => !images[id - 1]!.trashed));
    // Against the seeded texts, folded as the index folds them.
    const has = (text: string | null, word: string) => ftsWords(text ?? '').includes(word);
    const visible = images.filter((image) => !image.trashed);
    const inText = (image: (typeof images)[number], word: string) =>
      has(image.positive, word) || has(image.note, word);
    expect(await ids(cases['word']!)).toEqual(visible.filter((i) => inText(i, 'castle')).map((i) => i.id));
    expect(await ids(cases['negative']!)).toEqual(
      visible.filter((i) => has(i.negative, 'blurry')).map((i) => i.id),
    );
    expect(await ids(cases['excludeOnly']!)).toEqual(
      visible.filter((i) => !inText(i, 'castle') && !has(i.negative, 'watermark')).map((i) => i.id),
    );
    expect((await ids(cases['word']!)).length).toBeGreaterThan(3);
  });

  it('shows each stack once, as its newest match, and counts the members alike', async () => {
    for (const c of [cases['everything']!, cases['word']!, cases['plainViewerAll']!, cases['excludeOnly']!]) {
      for (const sort of ['newest', 'rating', 'random'] as const) {
        const [a, b] = [await walk(lite, c, sort, true), await walk(pg, c, sort, true)];
        expect(b.map((row) => row.id)).toEqual(a.map((row) => row.id));
      }
      const keys = ['stack-0', 'stack-1', 'stack-2', 'stack-3', 'stack-4', 'stack-5', 'none'];
      const [a, b] = await both(c, (engine, search) => engine.stackCounts(search, keys));
      expect(b).toEqual(a);
      expect(a.size).toBeGreaterThan(0);
    }
  });

  it('counts (exact and estimated), samples facets and lists match ids alike', async () => {
    for (const [name, c] of Object.entries(cases)) {
      for (const stacks of [false, true]) {
        const [a, b] = await both(c, (engine, search) => engine.count(search, stacks));
        expect({ name, stacks, count: b }).toEqual({ name, stacks, count: a });
      }
      const [fa, fb] = await both(c, (engine, search) => engine.facets(search));
      expect({ name, facets: fb }).toEqual({ name, facets: fa });
      const [ma, mb] = await both(c, (engine, search) => engine.matchIds(search, 40));
      expect({ name, ids: mb }).toEqual({ name, ids: ma });
      const [wa, wb] = await both(c, (engine, search) => engine.anyWith(search));
      expect({ name, any: wb }).toEqual({ name, any: wa });
    }
    // Past exactCountLimit (250) both estimate, the same way.
    const [a, b] = await both({}, (engine, search) => engine.count(search, false));
    expect(a.exact).toBe(false);
    expect(b).toEqual(a);
  });

  it('reads rows by id and checks visibility alike', async () => {
    const ids = [1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 233, 999];
    for (const c of [cases['everything']!, cases['plainViewerAll']!, cases['trash']!, cases['plainTrash']!]) {
      const byId = (rows: ResultRow[]) => [...rows].sort((x, y) => x.id - y.id);
      const [a, b] = await both(c, async (engine, search) => byId(await engine.byIds(search, ids)));
      expect(b).toEqual(a);
      const [va, vb] = await both(c, async (engine, search) =>
        (await engine.visibleIds(search, ids)).sort((x, y) => x - y),
      );
      expect(vb).toEqual(va);
    }
    expect(await pg.byIds(resolve(pg, {}), [])).toEqual([]);
  });

  it('finds similar images (the same set) and counts document frequencies as FTS5s vocabulary', async () => {
    const words = ['castle', 'red', 'car', 'blurry', 'moat', 'nowhere', 'png', 'note'];
    const [da, db] = [await lite.documentFrequencies(words), await pg.documentFrequencies(words)];
    expect(db).toEqual(da);
    expect(da.has('nowhere')).toBe(false);
    for (const [name, c] of Object.entries({
      everything: cases['everything']!,
      plainViewer: cases['plainViewerAll']!,
    })) {
      const [a, b] = [
        await lite.similar({ ...resolve(lite, c), include: lite.anyWordQuery(['castle', 'moat']) }, 7, 100),
        await pg.similar({ ...resolve(pg, c), include: pg.anyWordQuery(['castle', 'moat']) }, 7, 100),
      ];
      const ids = (rows: ResultRow[]) => rows.map((row) => row.id).sort((x, y) => x - y);
      expect({ name, ids: ids(b) }).toEqual({ name, ids: ids(a) });
      expect(ids(a)).not.toContain(7);
    }
  });

  it('keeps an image whose prompt is past what a tsvector holds, finding its other columns alike', async () => {
    // 150,000 distinct words (1.2 MB): FTS5 indexes them all; Postgres keeps the prompt's head.
    const huge = Array.from({ length: 150_000 }, (_, i) => `q${i}`).join(' ');
    const image = {
      ...images[10]!,
      id: 5000,
      positive: `colossus ${huge}`,
      note: 'gigantic',
      negative: 'smudge',
      trashed: false,
      status: 'approved' as const,
    };
    await createSql(sqliteSource).transaction((tx) => insertImage(tx, image));
    await createSql(pgSource).transaction((tx) => insertImage(tx, image));
    for (const c of [
      {
        text: [{ value: 'colossus' }, { value: 'gigantic' }, { value: 'smudge', field: 'negative' as const }],
      },
      { text: [{ value: 'q10' }, { value: 'png' }] },
    ]) {
      const [a, b] = [await walk(lite, c, 'newest', false), await walk(pg, c, 'newest', false)];
      expect(b.map((row) => row.id)).toEqual([5000]);
      expect(b).toEqual(a);
    }
  });

  it('answers usernames alike', async () => {
    const ids = users.map((user) => user.id);
    expect(await pg.usernames(ids)).toEqual(await lite.usernames(ids));
    for (const prefix of ['c', 'CY', 'y', '_', 'zz']) {
      expect({ prefix, names: await pg.usernamesLike(prefix, 10) }).toEqual({
        prefix,
        names: await lite.usernamesLike(prefix, 10),
      });
    }
  });
});
