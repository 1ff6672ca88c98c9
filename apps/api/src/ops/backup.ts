import Database from 'better-sqlite3';
import { chmod, copyFile, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { jwtSecretFileName } from '../auth/jwt-secret.js';
import type { AppConfig } from '../config/app-config.js';
import { sqlitePath } from '../config/database-config.js';
import {
  backupPaths,
  filesUnder,
  manifestName,
  readManifest,
  sha256Of,
  type Manifest,
  type ManifestEntry,
} from './manifest.js';

export interface BackupReport {
  files: number;
  copied: number;
  unchanged: number;
  removed: number;
  bytesCopied: number;
  jwtSecret: 'copied' | 'from-environment';
}

/**
 * An online copy of the data folder into `dir`: the database through SQLite's backup API (consistent
 * while the server writes, WAL included), the JWT secret file (mode 0600: sessions survive a restore),
 * and the images under generated/comfy, copied only when the backup lacks them with the same SHA-256.
 * The database is copied first, so every row it holds has its file on disk by the time those are
 * copied. Thumbnails are left out (they are made again on demand). `manifest.json` is written last.
 */
export async function backupTo(config: AppConfig, dir: string): Promise<BackupReport> {
  const databasePath = sqlitePath(config.database, 'npm run backup');
  // Into a new or empty folder, or an earlier backup: never over a folder of something else.
  if (!(await readManifest(dir)) && (await readdir(dir).catch(ifMissing))?.length) {
    throw new Error(`${dir} is neither empty nor an Atelier backup (it has no manifest.json)`);
  }
  // The backup holds the JWT secret and every user's password hash: its data folder is owner-only.
  await mkdir(join(dir, 'data'), { recursive: true, mode: 0o700 });
  const files: ManifestEntry[] = [];
  const report: BackupReport = {
    files: 0,
    copied: 0,
    unchanged: 0,
    removed: 0,
    bytesCopied: 0,
    jwtSecret: 'from-environment',
  };

  const database = join(dir, backupPaths.database);
  const partial = `${database}.partial`;
  await rm(partial, { force: true });
  const source = new Database(databasePath, { readonly: true, fileMustExist: true });
  try {
    await source.backup(partial);
  } finally {
    source.close();
  }
  await rename(partial, database);
  files.push({ path: backupPaths.database, ...(await sha256Of(database)) });
  report.copied += 1;
  report.bytesCopied += files[0]?.size ?? 0;

  const secret = await readOptional(join(config.dataDir, jwtSecretFileName));
  if (secret !== null) {
    const target = join(dir, backupPaths.jwtSecret);
    await writeFile(target, secret, { mode: 0o600 });
    await chmod(target, 0o600);
    files.push({ path: backupPaths.jwtSecret, ...(await sha256Of(target)) });
    report.jwtSecret = 'copied';
  }

  // Hidden names are the gallery's temp files of writes in flight (`.name.<hex>.tmp`).
  const images = (await filesUnder(config.comfy.imageDir)).filter((name) => !basename(name).startsWith('.'));
  for (const name of images) {
    const from = join(config.comfy.imageDir, name);
    const path = `${backupPaths.images}/${name}`;
    const to = join(dir, path);
    const sum = await sha256Of(from).catch(ifMissing);
    // Gone since the listing (deleted meanwhile): not part of this backup.
    if (!sum) continue;
    // Compared with the copy itself, not the old manifest: a damaged copy is replaced.
    const copy = (await sizeOf(to)) === sum.size ? await sha256Of(to) : null;
    if (copy?.sha256 === sum.sha256) {
      report.unchanged += 1;
    } else {
      await mkdir(dirname(to), { recursive: true });
      await copyFile(from, `${to}.partial`);
      // The copy must be the bytes that were hashed: an image rewritten meanwhile is hashed again.
      const copied = await sha256Of(`${to}.partial`);
      await rename(`${to}.partial`, to);
      Object.assign(sum, copied);
      report.copied += 1;
      report.bytesCopied += sum.size;
    }
    files.push({ path, ...sum });
  }

  // Images deleted from the gallery since the last backup leave it too: the folder mirrors the data.
  const kept = new Set(files.map((entry) => entry.path));
  for (const name of await filesUnder(join(dir, backupPaths.images))) {
    const path = `${backupPaths.images}/${name}`;
    if (kept.has(path)) continue;
    await rm(join(dir, path), { force: true });
    report.removed += 1;
  }

  const manifest: Manifest = {
    format: 'atelier-backup',
    version: 1,
    created_at: new Date().toISOString(),
    files,
  };
  await writeFile(join(dir, `${manifestName}.partial`), `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(join(dir, `${manifestName}.partial`), join(dir, manifestName));
  report.files = files.length;
  return report;
}

async function readOptional(path: string): Promise<Buffer | null> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

function ifMissing(error: unknown): null {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
  throw error;
}

async function sizeOf(path: string): Promise<number | null> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}
