import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

/** One file of a backup: its path inside the backup folder (always with `/`), size and SHA-256. */
export interface ManifestEntry {
  path: string;
  size: number;
  sha256: string;
}

/** `manifest.json` of a backup folder: every file it holds, written last. */
export interface Manifest {
  format: 'atelier-backup';
  version: 1;
  created_at: string;
  files: ManifestEntry[];
}

export const manifestName = 'manifest.json';
/** Where each part of the data folder sits inside a backup (the ATELIER_ROOT_DIR layout). */
export const backupPaths = {
  database: 'data/atelier.sqlite',
  jwtSecret: 'data/jwt-secret',
  images: 'generated/comfy',
} as const;

export async function sha256Of(path: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { size, sha256: hash.digest('hex') };
}

/** Every regular file under `dir`, as paths relative to it with `/` separators (none when it is missing). */
export async function filesUnder(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

/** The manifest of a backup folder, or null when there is none; throws when it is not one of ours. */
export async function readManifest(dir: string): Promise<Manifest | null> {
  let text: string;
  try {
    text = await readFile(join(dir, manifestName), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const raw = JSON.parse(text) as Partial<Manifest>;
  if (raw.format !== 'atelier-backup' || raw.version !== 1 || !Array.isArray(raw.files)) {
    throw new Error(`${join(dir, manifestName)} is not an Atelier backup manifest`);
  }
  for (const entry of raw.files) {
    const path = String(entry.path);
    // A manifest names files inside its folder only: no absolute paths, no `..`.
    if (path.startsWith('/') || path.split('/').some((part) => part === '..' || part === '')) {
      throw new Error(`${manifestName} lists a path outside the backup: ${JSON.stringify(path)}`);
    }
  }
  return raw as Manifest;
}
