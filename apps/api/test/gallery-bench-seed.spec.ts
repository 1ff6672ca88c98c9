import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ftsBuilderHere, ftsColumns } from '../bench/gallery-fts-index.js';
import { seedGalleryDatabase, type GallerySeedResult } from '../bench/gallery-seed.js';
import { commonWord } from '../bench/gallery-queries.js';
import { sqlitePath } from '../src/config/database-config.js';
import { loadConfig } from '../src/config/load-config.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { facetTokens } from '../src/gallery/search/facet-tokens.js';

// The gallery bench's seeder writes rows straight through better-sqlite3: these checks keep it in step
// with the schema the migrations make, so the bench never measures a database the app could not have.
describe('the gallery bench seeder', () => {
  const images = 2000;
  let rootDir: string;
  let db: Database.Database;
  let seeded: GallerySeedResult;
  let schemaBefore: { type: string; name: string; sql: string | null }[];
  const schema = (handle: Database.Database) =>
    handle
      .prepare(`SELECT "type", "name", "sql" FROM "sqlite_master" ORDER BY "type", "name"`)
      .all() as typeof schemaBefore;

  beforeAll(async () => {
    rootDir = await mkdtemp(join(tmpdir(), 'atelier-seed-test-'));
    const config = loadConfig({ ATELIER_ROOT_DIR: rootDir, LOG_LEVEL: 'silent' });
    // The app's own options (every migration), minus its log lines.
    const migrated = new DataSource({
      ...dataSourceOptions(config),
      logger: undefined,
      logging: false,
    } as DataSourceOptions);
    await migrated.initialize();
    await migrated.destroy();
    const before = new Database(sqlitePath(config.database));
    schemaBefore = schema(before);
    before.close();
    seeded = await seedGalleryDatabase(sqlitePath(config.database), {
      images,
      passwordHash: 'not-a-real-hash',
      buildFts: ftsBuilderHere(facetTokens),
    });
    db = new Database(sqlitePath(config.database));
  });

  afterAll(async () => {
    db?.close();
    await rm(rootDir, { recursive: true, force: true });
  });

  const all = <T>(sql: string, ...params: unknown[]) => db.prepare(sql).all(...params) as T[];
  const one = <T>(sql: string, ...params: unknown[]) => db.prepare(sql).get(...params) as T;
  const ids = (list: string) => (list === '' ? [] : list.split(' ').map(Number));

  it('writes every image, once, into both the table and the full-text index', () => {
    expect(one<{ n: number }>(`SELECT count(*) AS "n" FROM "gallery_images"`).n).toBe(images);
    expect(one<{ n: number }>(`SELECT count(*) AS "n" FROM "gallery_fts"`).n).toBe(images);
    const unindexed = one<{ n: number }>(
      `SELECT count(*) AS "n" FROM "gallery_images" WHERE "id" NOT IN (SELECT "rowid" FROM "gallery_fts")`,
    );
    expect(unindexed.n).toBe(0);
    expect(() =>
      db.exec(`INSERT INTO "gallery_fts" ("gallery_fts") VALUES ('integrity-check')`),
    ).not.toThrow();
    expect(seeded.users).toHaveLength(200);
  });

  it("leaves the migrations' schema as it found it: same tables, indexes and SQL, no FTS settings", () => {
    expect(schema(db)).toEqual(schemaBefore);
    expect(all(`SELECT * FROM "gallery_fts_config" WHERE "k" <> 'version'`)).toEqual([]);
    expect(all(`PRAGMA foreign_key_check`)).toEqual([]);
    expect(one<{ journal_mode: string }>(`PRAGMA journal_mode`).journal_mode).toBe('wal');
  });

  it('indexes the text each row holds (the index was built from a second generator)', () => {
    const rows = all<{ id: number; p_positive: string; sha256: string }>(
      `SELECT "id", "p_positive", "sha256" FROM "gallery_images"`,
    );
    const withWord = rows
      .filter((row) => row.p_positive.split(/[^\p{L}\p{N}]+/u).includes(commonWord))
      .map((row) => row.id);
    const matched = all<{ rowid: number }>(
      `SELECT "rowid" FROM "gallery_fts" WHERE "gallery_fts" MATCH ? ORDER BY "rowid"`,
      `text : ${commonWord}`,
    ).map((row) => row.rowid);
    expect(withWord.length).toBeGreaterThan(images / 2);
    expect(matched).toEqual(withWord);
    const last = rows[rows.length - 1]!;
    expect(
      all(`SELECT "rowid" FROM "gallery_fts" WHERE "gallery_fts" MATCH ?`, `filename : ${last.sha256}`),
    ).toEqual([{ rowid: last.id }]);
  });

  it("writes every column of the migration's full-text table", () => {
    const columns = all<{ name: string }>(`PRAGMA table_info("gallery_fts")`).map((column) => column.name);
    expect(columns).toEqual(ftsColumns);
  });

  it("indexes each image's filter values as the app does (facet tokens: checkpoint, sampler, owner, shuffle bucket)", () => {
    const row = one<{
      checkpoint_id: number;
      sampler_id: number;
      created_by: number;
      rating: number;
      shuffle: number;
    }>(
      `SELECT "checkpoint_id", "sampler_id", "created_by", "rating", "shuffle" FROM "gallery_images" ORDER BY "id" DESC LIMIT 1`,
    );
    const matching = (token: string) =>
      all<{ rowid: number }>(
        `SELECT "rowid" FROM "gallery_fts" WHERE "gallery_fts" MATCH ? ORDER BY "rowid"`,
        `facets : ${token}`,
      ).map((found) => found.rowid);
    const having = (where: string, value: number) =>
      all<{ id: number }>(`SELECT "id" FROM "gallery_images" WHERE ${where} = ? ORDER BY "id"`, value).map(
        (found) => found.id,
      );
    expect(matching(`c${row.checkpoint_id}`)).toEqual(having('"checkpoint_id"', row.checkpoint_id));
    expect(matching(`s${row.sampler_id}`)).toEqual(having('"sampler_id"', row.sampler_id));
    expect(matching(`o${row.created_by}`)).toEqual(having('"created_by"', row.created_by));
    const bucket = Math.floor(row.shuffle / 2 ** 23);
    expect(matching(`h${bucket}`)).toEqual(having('("shuffle" >> 23)', bucket));
  });

  it('gives every lora_ids and tag_ids entry its link row, and no link row without one', () => {
    const rows = all<{ id: number; lora_ids: string; tag_ids: string; loras_json: string }>(
      `SELECT "id", "lora_ids", "tag_ids", "loras_json" FROM "gallery_images"`,
    );
    const loraLinks = new Map(
      all<{ term_id: number; image_id: number; weight: number }>(`SELECT * FROM "gallery_image_loras"`).map(
        (link) => [`${link.term_id}:${link.image_id}`, link.weight],
      ),
    );
    const tagLinks = new Set(
      all<{ term_id: number; image_id: number }>(`SELECT * FROM "gallery_image_tags"`).map(
        (link) => `${link.term_id}:${link.image_id}`,
      ),
    );
    const loraNames = new Map(
      all<{ id: number; value: string }>(
        `SELECT "id", "value" FROM "gallery_terms" WHERE "kind" = 'lora'`,
      ).map((term) => [term.id, term.value]),
    );
    let loras = 0;
    let tags = 0;
    for (const row of rows) {
      const applied = JSON.parse(row.loras_json) as { name: string; weight: number }[];
      const loraIds = ids(row.lora_ids);
      expect(applied.map((lora) => lora.name)).toEqual(loraIds.map((id) => loraNames.get(id)));
      loraIds.forEach((id, i) => expect(loraLinks.get(`${id}:${row.id}`)).toBe(applied[i]?.weight));
      for (const id of ids(row.tag_ids)) expect(tagLinks.has(`${id}:${row.id}`)).toBe(true);
      loras += loraIds.length;
      tags += ids(row.tag_ids).length;
    }
    expect([loras, tags]).toEqual([loraLinks.size, tagLinks.size]);
    expect([loras, tags]).toEqual([seeded.loraLinks, seeded.tagLinks]);
    expect(tags).toBeGreaterThan(0);
  });

  it('points every dictionary id at a term of the right kind, and every owner at a user', () => {
    const missing = one<{ n: number }>(
      `SELECT count(*) AS "n" FROM "gallery_images" "i"
       WHERE NOT EXISTS (SELECT 1 FROM "gallery_terms" WHERE "id" = "i"."checkpoint_id" AND "kind" = 'checkpoint')
          OR NOT EXISTS (SELECT 1 FROM "gallery_terms" WHERE "id" = "i"."sampler_id" AND "kind" = 'sampler')
          OR NOT EXISTS (SELECT 1 FROM "gallery_terms" WHERE "id" = "i"."scheduler_id" AND "kind" = 'scheduler')
          OR NOT EXISTS (SELECT 1 FROM "users" WHERE "id" = "i"."created_by")`,
    );
    expect(missing.n).toBe(0);
    const kinds = new Map(
      all<{ id: number; kind: string }>(`SELECT "id", "kind" FROM "gallery_terms"`).map((t) => [
        t.id,
        t.kind,
      ]),
    );
    for (const row of all<{ lora_ids: string; tag_ids: string }>(
      `SELECT "lora_ids", "tag_ids" FROM "gallery_images"`,
    )) {
      for (const id of ids(row.lora_ids)) expect(kinds.get(id)).toBe('lora');
      for (const id of ids(row.tag_ids)) expect(kinds.get(id)).toBe('tag');
    }
    expect(
      one<{ n: number }>(`SELECT count(DISTINCT "checkpoint_id") AS "n" FROM "gallery_images"`).n,
    ).toBeGreaterThan(10);
  });

  it('numbers images oldest first and stacks batches that differ only by seed', () => {
    const outOfOrder = one<{ n: number }>(
      `SELECT count(*) AS "n" FROM "gallery_images" "a" JOIN "gallery_images" "b" ON "b"."id" = "a"."id" + 1
       WHERE "b"."created_at" <= "a"."created_at"`,
    );
    expect(outOfOrder.n).toBe(0);
    const stacks = all<{ n: number; settings: number; seeds: number; owners: number }>(
      `SELECT count(*) AS "n", count(DISTINCT "p_positive" || "checkpoint_id" || "loras_json" || "p_width") AS "settings",
         count(DISTINCT "p_seed") AS "seeds", count(DISTINCT "created_by") AS "owners"
       FROM "gallery_images" GROUP BY "stack_key"`,
    );
    expect(stacks.some((stack) => stack.n > 1)).toBe(true);
    for (const stack of stacks) expect(stack).toEqual({ n: stack.n, settings: 1, seeds: stack.n, owners: 1 });
    expect(
      one<{ n: number }>(`SELECT count(*) AS "n" FROM "gallery_images" WHERE "stack_key" IS NULL`).n,
    ).toBe(0);
  });
});
