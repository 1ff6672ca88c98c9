/**
 * The seeder's full-text index, built in a scratch database of its own so that a second thread can
 * build it while the main one writes the rows: the same generator with the same seed yields the same
 * texts, so nothing needs to cross between the threads. `copyFtsIndex` then moves it into the gallery
 * database: FTS5's shadow tables byte for byte, so the index is exactly the one FTS5 built.
 *
 * It is the longest part of the seeding (~28 s of CPU for a million images here, against ~24 s for
 * all the rest): the text columns with prefix indexes (`prefix='2 3'`: three entries per word), and
 * the file name is the SHA-256 (a unique 64-character word per image: ~6 s of that CPU and ~100
 * bytes per image, measured with the column left empty).
 */
import Database from 'better-sqlite3';
import type { FacetIds } from '#api/gallery/search/facet-tokens.js';
import { imageMaker, type ImageMakerOptions } from './gallery-images.js';

/**
 * The app's own `facetTokens` (gallery/search/facet-tokens.ts), passed in rather than imported: the
 * worker loads the built app, a test its sources.
 */
export type FacetTokens = (ids: FacetIds) => string;

export interface FtsJob {
  /** The scratch database to create (any existing file is replaced). */
  path: string;
  /** The `CREATE VIRTUAL TABLE "gallery_fts" …` the migration stored in sqlite_master. */
  createSql: string;
  images: number;
  maker: ImageMakerOptions;
}

/**
 * Builds `job`'s index; resolves when the scratch file is complete, with the CPU time (ms) of the
 * thread that built it when that was a thread of its own (else null).
 */
export type FtsBuilder = (job: FtsJob) => Promise<number | null>;

const rowsPerInsert = 100;
/** What the seeder writes, in the migration's column order (its test compares the two). */
export const ftsColumns = ['text', 'negative', 'note', 'filename', 'facets'];
const insertedColumns = ['rowid', ...ftsColumns];
/**
 * FTS5 keeps new terms in a memory hash and writes a segment each time it passes `hashsize` (1 MB by
 * default), merging segments as they pile up: with room for most of the load it writes a few big
 * segments once.
 */
const hashBytes = 512 * 1024 * 1024;
/** What the copy moves: the index itself, its per-row sizes, and the structure and totals records. */
const shadowTables = ['gallery_fts_data', 'gallery_fts_idx', 'gallery_fts_docsize'];

export function buildFtsIndex(job: FtsJob, facetTokens: FacetTokens): void {
  const db = new Database(job.path);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -1000000');
    db.exec(`DROP TABLE IF EXISTS "gallery_fts"`);
    db.exec(job.createSql);
    db.exec(`INSERT INTO "gallery_fts" ("gallery_fts", "rank") VALUES ('hashsize', ${hashBytes})`);
    const row = `(${insertedColumns.map(() => '?').join(',')})`;
    const insert = (rows: number) =>
      db.prepare(
        `INSERT INTO "gallery_fts" (${insertedColumns.map((c) => `"${c}"`).join(', ')}) VALUES ` +
          Array.from({ length: rows }, () => row).join(','),
      );
    const full = insert(rowsPerInsert);
    const next = imageMaker({ ...job.maker, textOnly: true });
    const values: unknown[] = [];
    let pending = 0;
    const flush = () => {
      if (pending === 0) return;
      (pending === rowsPerInsert ? full : insert(pending)).run(values);
      values.length = 0;
      pending = 0;
    };
    db.transaction(() => {
      for (let id = 1; id <= job.images;) {
        const batch = next(id);
        for (const image of batch) {
          if (image.id > job.images) break;
          values.push(
            image.id,
            image.positive,
            image.negative,
            image.note,
            image.filename,
            // The filter values as the app indexes them (search/facet-tokens.ts).
            facetTokens({
              checkpointId: image.checkpointId,
              samplerId: image.samplerId,
              loraIds: image.loraIds,
              ownerId: image.createdBy,
              shuffle: image.shuffle,
            }),
          );
          pending += 1;
          if (pending === rowsPerInsert) flush();
        }
        id += batch.length;
      }
      flush();
    })();
  } finally {
    db.close();
  }
}

/** The builder on this thread (tests; a machine with one core). */
export function ftsBuilderHere(facetTokens: FacetTokens): FtsBuilder {
  return (job) => {
    buildFtsIndex(job, facetTokens);
    return Promise.resolve(null);
  };
}

/**
 * Replaces the (empty) index of `db`'s gallery_fts with the one built at `path`. Both were created
 * by the same SQL, so their shadow tables have the same shape. FTS5's shadow tables are writable
 * only outside SQLite's defensive mode, which better-sqlite3 lifts in unsafe mode.
 */
export function copyFtsIndex(db: Database.Database, path: string): void {
  db.prepare(`ATTACH DATABASE ? AS "fts_build"`).run(path);
  try {
    db.unsafeMode(true);
    db.transaction(() => {
      for (const table of shadowTables) {
        db.exec(`DELETE FROM main."${table}"`);
        db.exec(`INSERT INTO main."${table}" SELECT * FROM "fts_build"."${table}"`);
      }
    })();
  } finally {
    db.unsafeMode(false);
    db.exec(`DETACH DATABASE "fts_build"`);
  }
}
