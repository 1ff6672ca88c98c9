import { Injectable } from '@nestjs/common';
import { createReadStream } from 'node:fs';
import { open, opendir, readFile, stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { AppConfig } from '../config/app-config.js';
import { isCode, removeFiles, resolveInside, writeChunksAtomic, writeFileAtomic } from './image-files.js';
import {
  ImageStore,
  type ByteRange,
  type StoreArea,
  type StoredFileInfo,
  type StoredFileReader,
  type StoreKey,
} from './image-store.js';

/**
 * The gallery's files in local folders (COMFY_IMAGE_DIR for originals and sidecars, ATELIER_THUMBNAIL_DIR
 * for thumbnails, both under `generated/` by default). Replicas share them by mounting the same folder
 * (NFS and kin): writes are a temp file in the target's folder, fsync, rename, which stays atomic there.
 */
@Injectable()
export class FileImageStore extends ImageStore {
  private readonly dirs: Record<StoreArea, string>;

  constructor(config: AppConfig) {
    super();
    this.dirs = {
      images: config.comfy.imageDir,
      thumbnails: config.gallery.thumbnailDir,
      // Beside the other shared folders, so every replica mounting the root finds a build made by another.
      exports: join(config.rootDir, 'generated', 'exports'),
    };
  }

  // async: a refused path rejects like any other failure instead of throwing in the caller's turn.
  async write(key: StoreKey, data: Uint8Array | string): Promise<void> {
    await writeFileAtomic(this.pathOf(key), data);
  }

  /** A temp file in the target's folder, fsync, rename (as `write`), fed chunk by chunk. */
  override async writeStream(key: StoreKey, chunks: AsyncIterable<Uint8Array>): Promise<number> {
    return writeChunksAtomic(this.pathOf(key), chunks);
  }

  async read(key: StoreKey): Promise<Buffer> {
    return readFile(this.pathOf(key));
  }

  /** Opened before it resolves, so a missing file rejects here rather than on the stream's first read. */
  async stream(key: StoreKey, range?: ByteRange): Promise<Readable> {
    const handle = await open(this.pathOf(key), 'r');
    return createReadStream('', { fd: handle, ...(range ?? {}) });
  }

  async open(key: StoreKey): Promise<StoredFileReader> {
    const handle = await open(this.pathOf(key), 'r');
    return {
      size: async () => (await handle.stat()).size,
      read: async (buffer, length, position) => (await handle.read(buffer, 0, length, position)).bytesRead,
      close: () => handle.close(),
    };
  }

  async stat(key: StoreKey): Promise<StoredFileInfo | null> {
    try {
      const info = await stat(this.pathOf(key));
      return info.isFile() ? { size: info.size, modifiedAt: info.mtime } : null;
    } catch (error) {
      if (isCode(error, 'ENOENT', 'ENOTDIR')) return null;
      throw error;
    }
  }

  async exists(key: StoreKey): Promise<boolean> {
    return (await this.stat(key)) !== null;
  }

  async remove(keys: readonly StoreKey[]): Promise<void> {
    await removeFiles(keys.map((key) => this.pathOf(key)));
  }

  async *list(area: StoreArea, prefix = ''): AsyncIterable<string> {
    const root = this.dirs[area];
    const start = prefix === '' ? root : resolveInside(root, prefix);
    yield* walk(start, prefix === '' ? '' : posix.normalize(prefix).replace(/\/$/, ''));
  }

  localPath(key: StoreKey): string | null {
    return this.pathOf(key);
  }

  /** Stored paths come from our own rows: one that would leave its folder is refused, not followed. */
  private pathOf(key: StoreKey): string {
    return resolveInside(this.dirs[key.area], key.path);
  }
}

/** Files below `dir` as paths relative to the area (temp files of unfinished writes left out). */
async function* walk(dir: string, relative: string): AsyncGenerator<string> {
  let entries;
  try {
    entries = await opendir(dir);
  } catch (error) {
    if (isCode(error, 'ENOENT', 'ENOTDIR')) return;
    throw error;
  }
  for await (const entry of entries) {
    const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) yield* walk(join(dir, entry.name), path);
    else if (entry.isFile() && !/^\..+\.tmp$/.test(entry.name)) yield path;
  }
}
