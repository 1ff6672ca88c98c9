import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';

/** `.name.<12 hex>.tmp`: hidden, and recognisable enough to sweep after a crash. */
const tempFilePattern = /^\..+\.[0-9a-f]{12}\.tmp$/;

/**
 * Writes `data` to `path` so that readers see either the old file or the whole new one: a temp
 * file in the same directory (rename is atomic only within a file system), fsync, rename, then
 * fsync the directory so the rename itself survives a power cut. The temp file is removed on failure.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await writeChunksAtomic(path, [typeof data === 'string' ? Buffer.from(data) : data]);
}

/** writeFileAtomic fed chunk by chunk (a ZIP built while it is written); the bytes written. */
export async function writeChunksAtomic(
  path: string,
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): Promise<number> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  let written = 0;
  try {
    const handle = await open(temp, 'wx', 0o644);
    try {
      // writeFile on a handle writes on from its position, all of the chunk (write() may stop short).
      for await (const chunk of chunks) {
        await handle.writeFile(chunk);
        written += chunk.length;
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await syncDirectory(dir);
  return written;
}

/** Removes files (missing ones are fine) and makes the removals durable. */
export async function removeFiles(paths: readonly string[]): Promise<void> {
  for (const path of paths) await rm(path, { force: true });
  for (const dir of new Set(paths.map((path) => dirname(path)))) await syncDirectory(dir);
}

/** fsync of a directory; platforms that cannot (Windows) or a directory already gone are not errors. */
export async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (error) {
    if (!isCode(error, 'ENOENT', 'EISDIR', 'EPERM', 'EINVAL', 'EBADF')) throw error;
  } finally {
    await handle?.close();
  }
}

/** fileExists, synchronously: for hot paths on local files, where the thread pool costs more than the stat. */
export function isFileNow(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isFile() ?? false;
}

export async function fileExists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    if (isCode(error, 'ENOENT', 'ENOTDIR')) return false;
    throw error;
  }
}

/**
 * `base` joined with a stored relative path, refusing anything that would leave `base` (absolute
 * paths, `..`): paths come from our own rows, and a bad row must not become a file-read primitive.
 */
export function resolveInside(base: string, relativePath: string): string {
  const full = resolve(base, relativePath);
  const rel = relative(base, full);
  if (!relativePath || isAbsolute(relativePath) || !rel || rel.startsWith(`..${sep}`) || rel === '..') {
    throw new Error(`Refusing a stored path outside ${base}: ${JSON.stringify(relativePath)}`);
  }
  return full;
}

/**
 * Removes temp files a crash left behind in `dir` and its direct subfolders (the date folders);
 * returns how many. A missing `dir` is fine.
 */
export async function sweepTempFiles(dir: string): Promise<number> {
  let removed = 0;
  const visit = async (folder: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR')) return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory() && depth > 0) await visit(path, depth - 1);
      else if (entry.isFile() && tempFilePattern.test(entry.name)) {
        await rm(path, { force: true });
        removed += 1;
      }
    }
  };
  await visit(dir, 1);
  return removed;
}

/** The file system has no room: a full disk (ENOSPC), a quota (EDQUOT) or the file size limit (EFBIG). */
export function isOutOfSpace(error: unknown): boolean {
  return isCode(error, 'ENOSPC', 'EDQUOT', 'EFBIG');
}

export function isCode(error: unknown, ...codes: string[]): boolean {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && codes.includes(code);
}
