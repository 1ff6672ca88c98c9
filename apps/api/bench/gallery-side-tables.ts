/**
 * The seeder's side tables — the full-text index and the LoRA and tag link tables — built in a
 * scratch database of their own, so that a second thread can build them while the main one writes the
 * image rows: the same generator with the same seed yields the same images, so nothing needs to cross
 * between the threads. `copySideTables` then moves them into the gallery database (FTS5's shadow
 * tables byte for byte: the index is exactly the one FTS5 built).
 */
import { facetTokens } from '#api/gallery/search/facet-tokens.js';
import Database from 'better-sqlite3';
import { imageMaker, type ImageMakerOptions } from './gallery-images.js';

export interface SideTablesJob {
  /** The scratch database to create (any existing file is replaced). */
  path: string;
  /** The CREATE statements the migrations stored in sqlite_master, by table name. */
  createSql: Record<(typeof sideTables)[number], string>;
  images: number;
  maker: ImageMakerOptions;
}

/** Builds `job`'s tables; resolves when the scratch file is complete. */
export type SideTablesBuilder = (job: SideTablesJob) => Promise<void>;

export const sideTables = ['gallery_fts', 'gallery_image_loras', 'gallery_image_tags'] as const;

const rowsPerInsert = 100;
const ftsColumns = ['rowid', 'text', 'negative', 'tags', 'note', 'filename', 'facets'];
/**
 * FTS5 keeps new terms in a memory hash and writes a segment each time it passes `hashsize` (1 MB by
 * default), merging segments as they pile up: with room for the whole load it writes a few big
 * segments once.
 */
const hashBytes = 512 * 1024 * 1024;
/** What the copy moves: the FTS index itself, its per-row sizes, the structure and totals records; the links. */
const copiedTables = [
  'gallery_fts_data',
  'gallery_fts_idx',
  'gallery_fts_docsize',
  'gallery_image_loras',
  'gallery_image_tags',
];

export function buildSideTables(job: SideTablesJob): void {
  const db = new Database(job.path);
  try {
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -1000000');
    for (const table of sideTables) {
      db.exec(`DROP TABLE IF EXISTS "${table}"`);
      // The links' REFERENCES point at tables this scratch file lacks: fine, foreign keys are off here.
      db.exec(job.createSql[table]);
    }
    db.pragma('foreign_keys = OFF');
    db.exec(`INSERT INTO "gallery_fts" ("gallery_fts", "rank") VALUES ('hashsize', ${hashBytes})`);
    const row = `(${ftsColumns.map(() => '?').join(',')})`;
    const insert = (rows: number) =>
      db.prepare(
        `INSERT INTO "gallery_fts" (${ftsColumns.map((c) => `"${c}"`).join(', ')}) VALUES ` +
          Array.from({ length: rows }, () => row).join(','),
      );
    const insertLora = db.prepare(
      `INSERT INTO "gallery_image_loras" ("term_id", "image_id", "weight") VALUES (?, ?, ?)`,
    );
    const insertTag = db.prepare(`INSERT INTO "gallery_image_tags" ("term_id", "image_id") VALUES (?, ?)`);
    const full = insert(rowsPerInsert);
    const next = imageMaker(job.maker);
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
            image.tagText,
            image.note,
            image.filename,
            facetTokens({
              checkpointId: image.checkpointId,
              samplerId: image.samplerId,
              loraIds: image.loraIds,
              tagIds: image.tagIds,
              ownerId: image.createdBy,
            }),
          );
          pending += 1;
          if (pending === rowsPerInsert) flush();
          for (let i = 0; i < image.loraIds.length; i++) {
            insertLora.run(image.loraIds[i], image.id, image.loraWeights[i]);
          }
          for (const tagId of image.tagIds) insertTag.run(tagId, image.id);
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
export const buildSideTablesHere: SideTablesBuilder = (job) => Promise.resolve(buildSideTables(job));

/**
 * Fills `db`'s (empty) side tables from the attached scratch file (attachSideTables), inside the
 * caller's transaction.
 * Both were created by the same SQL, so their tables have the same shape. FTS5's shadow tables are
 * writable only outside SQLite's defensive mode, which better-sqlite3 lifts in unsafe mode.
 */
export function copySideTables(db: Database.Database): { loraLinks: number; tagLinks: number } {
  const count = (table: string) =>
    (db.prepare(`SELECT count(*) AS "n" FROM "side"."${table}"`).get() as { n: number }).n;
  db.unsafeMode(true);
  try {
    for (const table of copiedTables) {
      db.exec(`DELETE FROM main."${table}"`);
      db.exec(`INSERT INTO main."${table}" SELECT * FROM "side"."${table}"`);
    }
  } finally {
    db.unsafeMode(false);
  }
  return { loraLinks: count('gallery_image_loras'), tagLinks: count('gallery_image_tags') };
}

/** Attaches the scratch file as `side` for copySideTables (not possible inside a transaction). */
export function attachSideTables(db: Database.Database, path: string): () => void {
  db.prepare(`ATTACH DATABASE ? AS "side"`).run(path);
  return () => db.exec(`DETACH DATABASE "side"`);
}
