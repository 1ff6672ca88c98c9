/**
 * Seeds a gallery database that the app's migrations made (and that no app has open) with synthetic
 * images, straight through better-sqlite3: users, the term dictionary, images with their parameters,
 * LoRA and tag links, and the FTS index.
 *
 * Fast because: the rows in one transaction, with the journal kept in memory and no fsync (this
 * connection only — a bench database, rebuilt each run); multi-row INSERTs (one call per 50 rows); the
 * secondary indexes dropped for the load and then re-created from the very SQL the migrations stored
 * in sqlite_master (sorting a million keys once is far cheaper than a million random B-tree inserts:
 * ~19 s against ~40 s for a million rows here); and the full-text index, the longest part, built
 * meanwhile on another thread (gallery-fts-index.ts), then copied in.
 */
import Database from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import { rm } from 'node:fs/promises';
import { threadCpuMs } from './thread-cpu.js';
import { copyFtsIndex, type FtsBuilder } from './gallery-fts-index.js';
import { imageMaker, type ImageMakerOptions, type SeedImage, type TermIds } from './gallery-images.js';
import { checkpoints, loras, samplers, schedulers, tags } from './gallery-vocabulary.js';

export interface GallerySeedOptions {
  images: number;
  /** Users to create as owners (default 200), named `user001`… */
  users?: number;
  /** One password hash for every seeded user (e.g. the first admin's, so the bench can sign in). */
  passwordHash: string;
  /** The generator's seed: the same seed gives the same images (default 1). */
  seed?: number;
  /** Builds the full-text index: on a worker (gallery-database.ts) or here (ftsBuilderHere). */
  buildFts: FtsBuilder;
}

export interface GallerySeedResult {
  images: number;
  users: { id: number; username: string }[];
  loraLinks: number;
  tagLinks: number;
  /** Wall time of the whole seeding, ms. */
  ms: number;
  /** CPU time, ms: of this thread, and of the FTS index's own thread (null when it had none). */
  cpuMs: { main: number; fts: number | null };
  /** How long each phase took, ms. */
  phases: Record<'setup' | 'rows' | 'indexes' | 'ftsWait' | 'ftsCopy', number>;
}

const rowsPerInsert = 50;
/** The seeded tables' indexes that the load drops and re-creates (not the primary keys). */
const loadedTables = ['gallery_images', 'gallery_image_loras', 'gallery_image_tags'];
/** The first image's created_at: 2024-01-01. */
const startMs = Date.UTC(2024, 0, 1);

const imageColumns = [
  'id',
  'sha256',
  'bytes',
  'width',
  'height',
  'relative_path',
  'thumbnail_path',
  'prompt_id',
  'created_by',
  'created_at',
  'status',
  'rating',
  'favorite',
  'note',
  'p_positive',
  'p_negative',
  'checkpoint_id',
  'sampler_id',
  'scheduler_id',
  'p_steps',
  'p_cfg',
  'p_seed',
  'p_denoise',
  'p_width',
  'p_height',
  'loras_json',
  'lora_ids',
  'tag_ids',
  'stack_key',
  'shuffle',
] as const;
/** Constant for every seeded image. */
const constantColumns: Record<string, string> = {
  mime: `'image/png'`,
  ext: `'png'`,
  metadata_json: `'{}'`,
  p_source: `'params'`,
  p_template_id: `'preset/txt2img'`,
  p_template_version: `'1'`,
  p_backend: `'127.0.0.1:8188'`,
  p_backend_version: `'0.3.40'`,
};

function imageValues(image: SeedImage, out: unknown[]): void {
  out.push(
    image.id,
    image.sha256,
    image.bytes,
    image.width,
    image.height,
    image.relativePath,
    image.thumbnailPath,
    image.promptId,
    image.createdBy,
    image.createdAt,
    image.status,
    image.rating,
    image.favorite,
    image.note,
    image.positive,
    image.negative === '' ? null : image.negative,
    image.checkpointId,
    image.samplerId,
    image.schedulerId,
    image.steps,
    image.cfg,
    image.seed,
    image.denoise,
    image.width,
    image.height,
    image.lorasJson,
    image.loraIds.join(' '),
    image.tagIds.join(' '),
    image.stackKey,
    image.shuffle,
  );
}

function insertTerms(db: BetterSqlite3.Database): TermIds {
  const insert = db.prepare(`INSERT INTO "gallery_terms" ("kind", "value") VALUES (?, ?) RETURNING "id"`);
  const idsOf = (kind: string, values: readonly string[]) =>
    values.map((value) => (insert.get(kind, value) as { id: number }).id);
  return {
    checkpoints: idsOf(
      'checkpoint',
      checkpoints.map((checkpoint) => checkpoint.name),
    ),
    samplers: idsOf('sampler', samplers),
    schedulers: idsOf('scheduler', schedulers),
    loras: idsOf('lora', loras),
    tags: idsOf('tag', tags),
  };
}

function insertUsers(db: BetterSqlite3.Database, count: number, passwordHash: string) {
  const insert = db.prepare(
    `INSERT INTO "users" ("username", "password_hash", "role") VALUES (?, ?, 'user') RETURNING "id"`,
  );
  return Array.from({ length: count }, (_, i) => {
    const username = `user${String(i + 1).padStart(3, '0')}`;
    return { id: (insert.get(username, passwordHash) as { id: number }).id, username };
  });
}

/** Seeds `options.images` images into the database at `path`; see the file comment for how. */
export async function seedGalleryDatabase(
  path: string,
  options: GallerySeedOptions,
): Promise<GallerySeedResult> {
  const started = performance.now();
  const cpuBefore = threadCpuMs();
  const db = new Database(path);
  try {
    db.pragma('journal_mode = MEMORY');
    db.pragma('synchronous = OFF');
    db.pragma('cache_size = -3000000');
    db.pragma('temp_store = MEMORY');
    // Every reference is made by this file and checked by its test (gallery-bench-seed.spec.ts).
    db.pragma('foreign_keys = OFF');
    const { sql: createFts } = db
      .prepare(`SELECT "sql" FROM "sqlite_master" WHERE "name" = 'gallery_fts'`)
      .get() as { sql: string };
    const indexes = db
      .prepare(
        `SELECT "name", "sql" FROM "sqlite_master" WHERE "type" = 'index' AND "sql" IS NOT NULL
         AND "tbl_name" IN (${loadedTables.map(() => '?').join(',')})`,
      )
      .all(...loadedTables) as { name: string; sql: string }[];
    const phases = { setup: 0, rows: 0, indexes: 0, ftsWait: 0, ftsCopy: 0 };
    let mark = performance.now();
    const lap = () => {
      const now = performance.now();
      const ms = now - mark;
      mark = now;
      return ms;
    };

    db.exec('BEGIN');
    const users = insertUsers(db, options.users ?? 200, options.passwordHash);
    const maker = {
      seed: options.seed ?? 1,
      terms: insertTerms(db),
      userIds: users.map((u) => u.id),
      startMs,
    };
    const ftsPath = `${path}.fts-build`;
    const fts = options.buildFts({
      path: ftsPath,
      createSql: createFts,
      images: options.images,
      maker,
    });
    fts.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    for (const index of indexes) db.exec(`DROP INDEX "${index.name}"`);
    phases.setup = lap();
    const links = loadRows(db, options.images, maker);
    phases.rows = lap();
    for (const index of indexes) db.exec(index.sql);
    phases.indexes = lap();
    db.exec('COMMIT');
    let ftsCpuMs: number | null;
    try {
      ftsCpuMs = await fts;
      phases.ftsWait = lap();
      copyFtsIndex(db, ftsPath);
    } finally {
      await rm(ftsPath, { force: true });
    }
    phases.ftsCopy = lap();
    db.pragma('foreign_keys = ON');
    db.pragma('journal_mode = WAL');
    const cpuMs = { main: threadCpuMs() - cpuBefore, fts: ftsCpuMs };
    return { images: options.images, users, ...links, ms: performance.now() - started, cpuMs, phases };
  } finally {
    db.close();
  }
}

/** Link rows per INSERT (LoRA links have three values, tag links two). */
const linksPerInsert = 100;

/** Batches link rows into multi-row INSERTs of `linksPerInsert`. */
function linkWriter(db: BetterSqlite3.Database, table: string, columns: readonly string[]) {
  const head = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) VALUES `;
  const row = `(${columns.map(() => '?').join(',')})`;
  const insert = (rows: number) => db.prepare(head + Array.from({ length: rows }, () => row).join(','));
  const full = insert(linksPerInsert);
  const values: unknown[] = [];
  let pending = 0;
  let written = 0;
  const flush = () => {
    if (pending === 0) return;
    (pending === linksPerInsert ? full : insert(pending)).run(values);
    written += pending;
    values.length = 0;
    pending = 0;
  };
  return {
    add(...row: unknown[]) {
      values.push(...row);
      if (++pending === linksPerInsert) flush();
    },
    /** Writes what is pending; returns how many rows were written in all. */
    end() {
      flush();
      return written;
    },
  };
}

function loadRows(
  db: BetterSqlite3.Database,
  images: number,
  maker: ImageMakerOptions,
): { loraLinks: number; tagLinks: number } {
  const row = `(${imageColumns.map(() => '?').join(',')},${Object.values(constantColumns).join(',')})`;
  const head = `INSERT INTO "gallery_images" (${[...imageColumns, ...Object.keys(constantColumns)]
    .map((column) => `"${column}"`)
    .join(', ')}) VALUES `;
  const insertImages = (rows: number) => db.prepare(head + Array.from({ length: rows }, () => row).join(','));
  const loras = linkWriter(db, 'gallery_image_loras', ['term_id', 'image_id', 'weight']);
  const tags = linkWriter(db, 'gallery_image_tags', ['term_id', 'image_id']);
  const full = insertImages(rowsPerInsert);
  const next = imageMaker(maker);
  const values: unknown[] = [];
  let pending = 0;
  const flush = () => {
    if (pending === 0) return;
    (pending === rowsPerInsert ? full : insertImages(pending)).run(values);
    values.length = 0;
    pending = 0;
  };
  for (let id = 1; id <= images;) {
    const batch = next(id);
    for (const image of batch) {
      if (image.id > images) break;
      imageValues(image, values);
      pending += 1;
      if (pending === rowsPerInsert) flush();
      for (let i = 0; i < image.loraIds.length; i++) {
        loras.add(image.loraIds[i], image.id, image.loraWeights[i]);
      }
      for (const tagId of image.tagIds) tags.add(tagId, image.id);
    }
    id += batch.length;
  }
  flush();
  return { loraLinks: loras.end(), tagLinks: tags.end() };
}
