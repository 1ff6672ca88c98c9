/**
 * The gallery bench's database: made fresh each run by the app itself (booted once on an empty data
 * dir, it runs every migration and creates the first admin), then seeded while no app has it open.
 */
import Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import { sqlitePath } from '#api/config/database-config.js';
import { loadConfig } from '#api/config/load-config.js';
import { createApp } from '#api/create-app.js';
import type { FtsBuilder } from './gallery-fts-index.js';
import { seedGalleryDatabase, type GallerySeedResult } from './gallery-seed.js';
import { worker } from './harness.js';

/** The FTS index built on a worker thread, beside the rows written on this one. */
export const buildFtsOnWorker: FtsBuilder = (job) =>
  new Promise((resolve, reject) => {
    const thread = worker('./gallery-fts-index.worker.js', job);
    thread.once('message', (done: { cpuMs: number }) => resolve(done.cpuMs));
    thread.once('error', reject);
    thread.once('exit', (code) =>
      code === 0 ? resolve(null) : reject(new Error(`FTS worker exited ${code}`)),
    );
  });

export interface SeededGallery {
  seed: GallerySeedResult;
  /** The database file after a checkpoint, bytes. */
  fileBytes: number;
}

/** Boots the app once on `env`'s empty data dir (migrations, first admin), then seeds `images`. */
export async function seededGallery(env: Record<string, string>, images: number): Promise<SeededGallery> {
  const config = loadConfig(env);
  const app = await createApp(config);
  await app.init();
  await app.close();
  const path = sqlitePath(config.database, 'the gallery bench');
  const admin = new Database(path);
  const { password_hash: passwordHash } = admin
    .prepare(`SELECT "password_hash" FROM "users" WHERE "role" = 'admin'`)
    .get() as { password_hash: string };
  admin.close();
  const seed = await seedGalleryDatabase(path, {
    images,
    passwordHash,
    buildFts: buildFtsOnWorker,
  });
  const db = new Database(path);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { seed, fileBytes: statSync(path).size };
}
