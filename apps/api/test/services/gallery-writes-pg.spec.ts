import type { ImageParams } from '@atelier/contract';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackgroundJobs } from '../../src/background/background-jobs.js';
import { KeyedLock } from '../../src/common/keyed-lock.js';
import type { RuntimeConfig } from '../../src/config/runtime-config.service.js';
import { loadConfig } from '../../src/config/load-config.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { createSql, type Sql } from '../../src/database/sql.js';
import { EventBus } from '../../src/events/event-bus.js';
import {
  BoardsRepository,
  parseBoardQuery,
  type BoardRow,
} from '../../src/gallery/boards/boards.repository.js';
import { ExportRepository } from '../../src/gallery/export/export.repository.js';
import { FileImageStore } from '../../src/gallery/file-image-store.js';
import { GalleryStorage } from '../../src/gallery/gallery-storage.js';
import { ImagesRepository } from '../../src/gallery/images.repository.js';
import { LineageRepository } from '../../src/gallery/lineage/lineage.repository.js';
import { ReviewService } from '../../src/gallery/review/review.service.js';
import { ReviewsRepository } from '../../src/gallery/review/reviews.repository.js';
import { GalleryTerms } from '../../src/gallery/search/gallery-terms.js';
import { ImageSearchIndex, unknownParams } from '../../src/gallery/search/image-search-index.js';
import { ThumbnailsService } from '../../src/gallery/thumbnails.service.js';
import { TrashPurge } from '../../src/gallery/trash/trash-purge.js';
import { TrashService } from '../../src/gallery/trash/trash.service.js';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database.js';

/**
 * The gallery's writes on Postgres, through the same classes the app wires (on a migrated scratch
 * database): the search index (parameters, curation, bulk tags and ratings; `search_tsv` read back with
 * tsquery), boards, the review trail, trash, restore and the purge, lineage and the export rows.
 * Needs ATELIER_TEST_DATABASE_URL.
 */
describe('gallery writes on Postgres', () => {
  let database: ScratchDatabase;
  let root: string;
  let source: DataSource;
  let sql: Sql;
  let images: ImagesRepository;
  let index: ImageSearchIndex;
  let trash: TrashService;
  let purge: TrashPurge;
  let boards: BoardsRepository;
  let review: ReviewService;
  let reviews: ReviewsRepository;
  let lineage: LineageRepository;
  let ownerId: number;
  let curatorId: number;
  let counter = 0;

  beforeAll(async () => {
    database = await createScratchDatabase('atelier_gallery_writes');
    root = await mkdtemp(join(tmpdir(), 'atelier-gallery-writes-'));
    const config = loadConfig({
      LOG_LEVEL: 'silent',
      ATELIER_DATABASE_URL: database.url,
      ATELIER_ROOT_DIR: root,
    });
    source = new DataSource({
      ...dataSourceOptions(config),
      logger: undefined,
      logging: false,
    } as DataSourceOptions);
    await source.initialize();
    sql = createSql(source);
    const bus = new EventBus();
    images = new ImagesRepository(sql);
    index = new ImageSearchIndex(sql, new GalleryTerms(sql));
    trash = new TrashService(sql, images, bus);
    lineage = new LineageRepository(sql);
    boards = new BoardsRepository(sql);
    reviews = new ReviewsRepository(sql);
    review = new ReviewService(reviews, bus);
    const store = new FileImageStore(config);
    const storage = new GalleryStorage(config, store);
    // The purge reads one setting and never defines its background job here (that is onModuleInit's).
    const runtime = { get: () => ({ gallery_trash_retention_days: 30 }) } as unknown as RuntimeConfig;
    purge = new TrashPurge(
      sql,
      runtime,
      storage,
      new ThumbnailsService(config, storage, store),
      new KeyedLock(),
      bus,
      lineage,
      {} as BackgroundJobs,
    );
    ownerId = await newUser('olga', 'user');
    curatorId = await newUser('cora', 'curator');
  }, 120_000);

  afterAll(async () => {
    if (source?.isInitialized) await source.destroy();
    await database?.drop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  async function newUser(username: string, role: string): Promise<number> {
    const row = await sql.get<{ id: number }>(
      `INSERT INTO "users" ("username", "password_hash", "role") VALUES (?, 'x', ?) RETURNING "id"`,
      [username, role],
    );
    return row!.id;
  }

  /** A kept image's row (no files: these tests read the database only). */
  async function newImage(
    createdBy = ownerId,
    sha256 = `${'a'.repeat(56)}${String(++counter).padStart(8, '0')}`,
  ) {
    const row = await images.insert({
      sha256,
      mime: 'image/png',
      ext: 'png',
      bytes: 10,
      width: 64,
      height: 64,
      relativePath: `2026-01-01/${sha256}.png`,
      thumbnailPath: `${sha256}.webp`,
      promptId: null,
      paramsJson: null,
      workflowJson: null,
      metadataJson: '{}',
      sourceJson: null,
      createdBy,
      createdAt: new Date().toISOString(),
    });
    return row!;
  }

  function params(positive: string, negative: string | null = null): ImageParams {
    return {
      ...unknownParams(),
      source: 'params',
      positive,
      negative,
      checkpoint: 'sd_xl_base.safetensors',
      sampler: 'euler',
      seed: 42,
      cfg: 0.35,
      loras: [{ name: 'film-grain', weight: 0.5 }],
    };
  }

  /** The ids whose search_tsv matches a tsquery (bound as text, as the engine binds its queries). */
  async function matching(query: string): Promise<number[]> {
    const rows = await sql.all<{ id: number }>(
      `SELECT "id" FROM "gallery_images" WHERE "search_tsv" @@ ?::tsquery ORDER BY "id"`,
      [query],
    );
    return rows.map((row) => row.id);
  }

  it('writes search_tsv with setParams and setCuration: prompt, note and file name words, never a removed one', async () => {
    const image = await newImage();
    await index.setParams(
      { id: image.id, createdBy: ownerId, hasWorkflow: false },
      params('Lighthouse at dawn', 'blurry'),
    );
    expect(await matching(`'lighthouse':A`)).toEqual([image.id]);
    // The negative prompt is weight D: a plain word (A–C) does not find it, `neg:` (D) does.
    expect(await matching(`'blurry':ABC`)).toEqual([]);
    expect(await matching(`'blurry':D`)).toEqual([image.id]);
    expect(await matching(`'${image.sha256}':C & 'png':C`)).toEqual([image.id]);

    await index.setCuration(image.id, {
      note: 'Stormy harbour',
      rating: 4,
      favorite: true,
      tags: ['seascape'],
    });
    expect(await matching(`'stormy':B`)).toEqual([image.id]);
    expect(await matching(`'lighthouse'`)).toEqual([image.id]);
    await index.setCuration(image.id, { note: 'calm' });
    expect(await matching(`'stormy'`)).toEqual([]);
    expect(await matching(`'calm':B`)).toEqual([image.id]);

    await index.setParams(
      { id: image.id, createdBy: ownerId, hasWorkflow: true },
      params('harbour at night'),
    );
    expect(await matching(`'lighthouse'`)).toEqual([]);
    expect(await matching(`'harbour':A & 'calm':B`)).toEqual([image.id]);

    const row = await sql.get<Record<string, unknown>>(
      `SELECT "rating", "favorite", "tag_ids", "has_workflow", "shuffle", "p_cfg", "checkpoint_id", "lora_ids"
       FROM "gallery_images" WHERE "id" = ?`,
      [image.id],
    );
    expect(row).toMatchObject({ rating: 4, favorite: 1, has_workflow: 1, p_cfg: 0.35 });
    expect(row!['shuffle']).toBeGreaterThanOrEqual(1);
    expect(row!['shuffle']).toBeLessThan(2 ** 31);
    const loras = await sql.all(
      `SELECT "term_id", "weight" FROM "gallery_image_loras" WHERE "image_id" = ?`,
      [image.id],
    );
    expect(loras).toEqual([{ term_id: Number(String(row!['lora_ids'])), weight: 0.5 }]);
    const tags = await sql.all(`SELECT "term_id" FROM "gallery_image_tags" WHERE "image_id" = ?`, [image.id]);
    expect(tags).toEqual([{ term_id: Number(row!['tag_ids']) }]);
  });

  it('adds and removes tags and sets ratings over a batch, each image once', async () => {
    const batch: number[] = [];
    for (let i = 0; i < 30; i++) batch.push((await newImage()).id);
    const missing = 999_999;
    // An id twice or one without a row: each image changes once, in the order given.
    expect(await index.changeTags([...batch, batch[0]!, missing], ['sunset', 'golden hour'], true)).toEqual(
      batch,
    );
    expect(await index.changeTags(batch, ['sunset'], true)).toEqual([]);
    const links = await sql.get<{ n: string }>(
      `SELECT count(*) AS "n" FROM "gallery_image_tags" WHERE "image_id" IN (SELECT "id" FROM "gallery_images" WHERE "id" >= ?)`,
      [batch[0]],
    );
    expect(Number(links!.n)).toBe(60);
    expect(await index.changeTags(batch.slice(0, 10), ['sunset'], false)).toEqual(batch.slice(0, 10));
    const tagged = await sql.all<{ id: number; tag_ids: string }>(
      `SELECT "id", "tag_ids" FROM "gallery_images" WHERE "id" IN (?, ?) ORDER BY "id"`,
      [batch[0], batch[29]],
    );
    expect(tagged.map((row) => row.tag_ids.split(' ').length)).toEqual([1, 2]);

    await index.setColumn(batch.slice(0, 5), 'rating', 3);
    const changed = await index.setColumn(batch.slice(0, 10), 'rating', 5);
    expect(changed).toEqual([
      ...batch.slice(0, 5).map((id) => ({ id, before: 3 })),
      ...batch.slice(5, 10).map((id) => ({ id, before: 0 })),
    ]);
    expect(await index.setColumn(batch.slice(0, 10), 'rating', 5)).toEqual([]);
    expect(await index.setColumn([batch[0]!], 'favorite', 1)).toEqual([{ id: batch[0], before: 0 }]);
  });

  it('adds images to a board once, removes them, and clears a board that becomes smart', async () => {
    const [a, b] = [await newImage(), await newImage()];
    const boardId = await boards.create(ownerId, {
      name: 'Harbours',
      visibility: 'team',
      query: null,
      coverImageId: null,
    });
    expect(await boards.add(boardId, [b.id, a.id, b.id], ownerId)).toEqual([b.id, a.id]);
    expect(await boards.add(boardId, [a.id], ownerId)).toEqual([]);
    expect(await boards.remove(boardId, [a.id, 424242])).toEqual([a.id]);
    expect((await boards.visibleTo(curatorId)).map((board) => board.name)).toContain('Harbours');
    await boards.update(boardId, () => ({
      fields: { name: 'Smart', visibility: 'private', query: { q: 'harbour' }, coverImageId: b.id },
      clearImages: true,
    }));
    expect(await boards.find(boardId)).toMatchObject({
      name: 'Smart',
      visibility: 'private',
      cover_image_id: b.id,
      query_json: '{"q":"harbour"}',
    });
    expect(await boards.remove(boardId, [b.id])).toEqual([]);
    expect(await boards.delete(boardId)).toBe(true);
    expect(await boards.find(boardId)).toBeNull();
  });

  it('records review decisions in order and pages the pending queue', async () => {
    const [a, b] = [await newImage(), await newImage()];
    await reviews.setStatus([a.id, b.id], 'private');
    const owner = { id: ownerId, username: 'olga', role: 'user' as const };
    const curator = { id: curatorId, username: 'cora', role: 'curator' as const };
    expect(await review.submit([b.id, a.id, 31337], owner)).toEqual({ affected: 2, skipped: 1 });
    expect(await reviews.pendingCount()).toBe(2);
    expect((await reviews.pendingPage(0, 10)).map((row) => row.id)).toEqual([b.id, a.id]);
    expect(await review.reject([a.id], curator, ' too dark ')).toEqual({ affected: 1, skipped: 0 });
    expect(await review.approve([b.id], curator)).toEqual({ affected: 1, skipped: 0 });
    const trail = await reviews.reviewOf(a.id);
    expect(trail.review.map((entry) => [entry.decision, entry.by.username, entry.note])).toEqual([
      ['submitted', 'olga', null],
      ['rejected', 'cora', 'too dark'],
    ]);
    expect(trail.review_note).toBe('too dark');
    expect(await reviews.user(curatorId)).toEqual(curator);
  });

  it('trashes, restores and purges: the row, its links and its children’s parent go, a restored image stays', async () => {
    const parent = await newImage();
    const child = await newImage();
    await lineage.link(child.id, child.sha256, parent.sha256);
    expect(await lineage.parentIdOf(child.id)).toBe(parent.id);
    await index.changeTags([parent.id], ['doomed'], true);
    const kept = await newImage();
    const owner = { id: ownerId, username: 'olga', role: 'user' as const };

    expect(await trash.trash([parent.id, kept.id, parent.id], owner)).toEqual({
      affected: 2,
      skipped: 0,
      changedIds: [parent.id, kept.id],
    });
    expect((await images.findFile(parent.id))?.trashed).toBe(true);
    expect(await trash.restore([kept.id], owner)).toMatchObject({ affected: 1, changedIds: [kept.id] });
    expect((await images.findFile(kept.id))?.trashed).toBe(false);

    // Trashed long ago: past the 30 days' retention.
    const longAgo = new Date(Date.now() - 40 * 86_400_000).toISOString();
    await sql.run(`UPDATE "gallery_images" SET "trashed_at" = ? WHERE "trashed_at" IS NOT NULL`, [longAgo]);
    expect(await purge.purgeNow()).toBe(1);
    expect(await images.findFile(parent.id)).toBeNull();
    expect(await sql.all(`SELECT 1 FROM "gallery_image_tags" WHERE "image_id" = ?`, [parent.id])).toEqual([]);
    expect(await lineage.parentIdOf(child.id)).toBeNull();
    expect((await images.findFile(kept.id))?.trashed).toBe(false);
    expect(await purge.purgeNow()).toBe(0);
  });

  it('refuses a second row for the same bytes and reads export rows in the order asked', async () => {
    const image = await newImage();
    // A seed as large as the API takes (Number.MAX_SAFE_INTEGER): past Postgres's 4-byte integer.
    const seed = Number.MAX_SAFE_INTEGER - 1;
    await index.setParams(
      { id: image.id, createdBy: ownerId, hasWorkflow: false },
      { ...params('red kite'), seed },
    );
    const again = await images.insert({ ...image, createdAt: new Date().toISOString() });
    expect(again).toBeNull();
    const other = await newImage();
    const rows = await new ExportRepository(sql).exportRows([other.id, 777_777, image.id]);
    expect(rows.map((row) => [row.id, row.owner, row.checkpoint, row.positive, row.seed])).toEqual([
      [other.id, 'olga', null, null, null],
      [image.id, 'olga', 'sd_xl_base.safetensors', 'red kite', seed],
    ]);
    expect((await images.findBySha256(image.sha256))?.image.id).toBe(image.id);
  });
  // Read committed lets two transactions read the same old row; the reads that decide a write are
  // locked (forUpdate), so two calls at once on two pooled connections give one winner.
  it('two concurrent decisions, trashes or board edits on one row give one winner and a consistent trail', async () => {
    const curator = { id: curatorId, username: 'cora', role: 'curator' as const };
    const owner = { id: ownerId, username: 'olga', role: 'user' as const };
    for (let round = 0; round < 5; round++) {
      const image = await newImage();
      await sql.run(`UPDATE "gallery_images" SET "status" = 'private' WHERE "id" = ?`, [image.id]);
      const approvals = await Promise.all([
        review.approve([image.id], curator),
        review.approve([image.id], curator),
      ]);
      expect(approvals.map((outcome) => outcome.affected).sort()).toEqual([0, 1]);
      const trail = await reviews.reviewOf(image.id);
      expect(trail.review.map((entry) => entry.decision)).toEqual(['approved']);

      const trashes = await Promise.all([trash.trash([image.id], owner), trash.trash([image.id], curator)]);
      expect(trashes.map((result) => result.affected).sort()).toEqual([0, 1]);
      const restores = await Promise.all([
        trash.restore([image.id], curator),
        trash.restore([image.id], owner),
      ]);
      expect(restores.map((result) => result.affected).sort()).toEqual([0, 1]);
      expect((await images.findFile(image.id))?.trashed).toBe(false);

      // Two edits of different fields: each applies to the row the other left, so both stay.
      const boardId = await boards.create(ownerId, {
        name: 'Quays',
        visibility: 'private',
        query: null,
        coverImageId: null,
      });
      const keep = (row: BoardRow) => ({
        name: row.name,
        visibility: row.visibility,
        query: parseBoardQuery(row.query_json),
        coverImageId: row.cover_image_id,
      });
      await Promise.all([
        boards.update(boardId, (row) => ({ fields: { ...keep(row), name: 'Docks' }, clearImages: false })),
        boards.update(boardId, (row) => ({
          fields: { ...keep(row), query: { q: 'crane' } },
          clearImages: row.query_json === null,
        })),
      ]);
      expect(await boards.find(boardId)).toMatchObject({ name: 'Docks', query_json: '{"q":"crane"}' });
    }
  });
});
