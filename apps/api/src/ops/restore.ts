import { chmod, copyFile, mkdir, readdir, rename, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { jwtSecretFileName } from '../auth/jwt-secret.js';
import type { AppConfig } from '../config/app-config.js';
import { sqlitePath } from '../config/database-config.js';
import { backupPaths, readManifest, sha256Of, type ManifestEntry } from './manifest.js';

export interface RestoreReport {
  files: number;
  bytes: number;
  jwtSecret: boolean;
}

/** A backup that cannot be restored as it is: nothing was written. */
export class RestoreRefused extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Restore refused, nothing was written: ${problems.join('; ')}`);
    this.name = 'RestoreRefused';
  }
}

/**
 * Rebuilds the data folder of `config` (database, JWT secret, generated/comfy) from the backup in `dir`.
 * Every file the manifest lists is checked (present, same size, same SHA-256) before anything is
 * written; a mismatch, a missing database, or a target that already holds a database or images
 * refuses the whole restore. Files are written through a temp name and renamed, the secret with mode 0600.
 */
export async function restoreFrom(config: AppConfig, dir: string): Promise<RestoreReport> {
  if (config.database.engine !== 'sqlite') {
    throw new RestoreRefused([
      'npm run restore rebuilds the embedded SQLite database; ATELIER_DATABASE_URL points at Postgres: ' +
        'use pg_restore for its data',
    ]);
  }
  const manifest = await readManifest(dir);
  if (!manifest) throw new RestoreRefused([`${dir} holds no manifest.json: not a backup folder`]);
  const problems: string[] = [];
  if (!manifest.files.some((entry) => entry.path === backupPaths.database)) {
    problems.push(`the manifest lists no ${backupPaths.database}`);
  }
  for (const entry of manifest.files) {
    const actual = await sha256Of(join(dir, entry.path)).catch(() => null);
    if (!actual) problems.push(`${entry.path} is missing`);
    else if (actual.size !== entry.size || actual.sha256 !== entry.sha256) {
      problems.push(`${entry.path} does not match its checksum`);
    }
  }
  if (await hasFiles(config.database.path, true)) {
    problems.push(`${config.database.path} exists: restore into an empty data folder`);
  }
  if (await hasFiles(config.comfy.imageDir, false)) {
    problems.push(`${config.comfy.imageDir} is not empty: restore into an empty data folder`);
  }
  if (problems.length > 0) throw new RestoreRefused(problems);

  let bytes = 0;
  for (const entry of manifest.files) {
    const target = targetOf(config, entry);
    if (!target) continue;
    await mkdir(dirname(target), { recursive: true });
    await copyFile(join(dir, entry.path), `${target}.partial`);
    if (entry.path === backupPaths.jwtSecret) await chmod(`${target}.partial`, 0o600);
    await rename(`${target}.partial`, target);
    bytes += entry.size;
  }
  return {
    files: manifest.files.length,
    bytes,
    jwtSecret: manifest.files.some((entry) => entry.path === backupPaths.jwtSecret),
  };
}

/** Where a backed-up file goes in the configured data folder (null: a file this version does not restore). */
function targetOf(config: AppConfig, entry: ManifestEntry): string | null {
  if (entry.path === backupPaths.database) return sqlitePath(config.database, 'npm run restore');
  if (entry.path === backupPaths.jwtSecret) return join(config.dataDir, jwtSecretFileName);
  const prefix = `${backupPaths.images}/`;
  if (entry.path.startsWith(prefix)) return join(config.comfy.imageDir, entry.path.slice(prefix.length));
  return null;
}

/** Whether `path` exists (as a file when `isFile`, else as a folder with something in it). */
async function hasFiles(path: string, isFile: boolean): Promise<boolean> {
  try {
    if (isFile) return (await stat(path)).isFile();
    return (await readdir(path)).length > 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
