import type { Logger } from '@nestjs/common';
import { isCode } from '../image-files.js';
import type { GalleryStorage } from '../gallery-storage.js';
import { imageKey, type ImageStore, type StoreKey } from '../image-store.js';
import { UnlabellableImageError, type CopyPlan } from './copy-plan.js';
import { nameOf, readAtHandle, type OpenFiles } from './export-files.js';
import type { ExportRow } from './export.repository.js';
import { plainLabelledSize, planLabelledCopy } from './label-plan.js';
import { manifestHeader, manifestLine, type ManifestEntry } from './manifest-csv.js';
import { imageEntryName, redactSidecar, sidecarEntryName } from './zip-entries.js';

export interface ExportOptions {
  sidecars: boolean;
  redact: boolean;
}

/** One image of an export, planned: the copy's layout and size, its sidecar's, its manifest line. */
export interface ExportItem {
  row: ExportRow;
  image: StoreKey;
  name: string;
  /** The copy's size; its layout too when the headers had to be read to know the size. */
  plan: { size: number; pieces: CopyPlan['pieces'] | null };
  sidecar: { key: StoreKey; name: string; size: number } | null;
}

/**
 * Plans one image (and its sidecar's size). A plain PNG or JPEG copy costs one stat: its size is the
 * original's plus the label, and its layout is read when it streams. Others read their headers now.
 * A file gone from the disk, or one that does not follow its format, is left out with a warning: it
 * cannot be labelled, nor redacted.
 */
export async function planItem(
  row: ExportRow,
  storage: GalleryStorage,
  files: OpenFiles,
  options: ExportOptions,
  logger: Logger,
): Promise<ExportItem | null> {
  const image = imageKey(row.relativePath);
  try {
    const plain = options.redact ? null : plainLabelledSize(row.mime, await sizeOf(storage.store, image));
    const plan =
      plain === null ? await planFromHeaders(row, image, files, options) : { size: plain, pieces: null };
    const sidecar = imageKey(storage.sidecarOf(row.relativePath));
    const sidecarSize = options.sidecars ? await sidecarBytes(storage.store, sidecar, options.redact) : null;
    return {
      row,
      image,
      name: imageEntryName(row.id, row.sha256, row.ext),
      plan,
      sidecar:
        sidecarSize === null
          ? null
          : { key: sidecar, name: sidecarEntryName(row.id, row.sha256), size: sidecarSize },
    };
  } catch (error) {
    if (!isCode(error, 'ENOENT', 'ENOTDIR') && !(error instanceof UnlabellableImageError)) throw error;
    logger.warn({ err: error, imageId: row.id }, 'Left an image out of an export');
    return null;
  }
}

/** A stored file's size; a missing one fails as a missing file does (ENOENT), to be left out. */
async function sizeOf(store: ImageStore, key: StoreKey): Promise<number> {
  const info = await store.stat(key);
  if (info === null) throw Object.assign(new Error(`${nameOf(key)} is missing`), { code: 'ENOENT' });
  return info.size;
}

async function planFromHeaders(
  row: ExportRow,
  image: StoreKey,
  files: OpenFiles,
  options: ExportOptions,
): Promise<CopyPlan> {
  const handle = await files.open(image);
  try {
    return await planLabelledCopy(readAtHandle(handle), await handle.size(), row.mime, options.redact);
  } finally {
    await files.close(handle);
  }
}

/** The sidecar as exported: read and rewritten when redacted (sidecars are small), else its size on disk. */
async function sidecarBytes(store: ImageStore, key: StoreKey, redact: boolean): Promise<number | null> {
  try {
    if (!redact) return (await store.stat(key))?.size ?? null;
    const text = await sidecarText(store, key, true);
    return text === null ? null : Buffer.byteLength(text);
  } catch (error) {
    if (isCode(error, 'ENOENT', 'ENOTDIR')) return null;
    throw error;
  }
}

/** The sidecar's exported text; null when a redacted one is not JSON we can strip. */
export async function sidecarText(store: ImageStore, key: StoreKey, redact: boolean): Promise<string | null> {
  const text = (await store.read(key)).toString('utf8');
  return redact ? redactSidecar(text) : text;
}

export function manifestEntry(item: ExportItem): ManifestEntry {
  const { row } = item;
  return {
    id: row.id,
    file: item.name,
    bytes: item.plan.size,
    originalSha256: row.sha256,
    width: row.width,
    height: row.height,
    owner: row.owner,
    createdAt: row.createdAt,
    checkpoint: row.checkpoint,
    seed: row.seed,
    positive: row.positive,
  };
}

/** manifest.csv's size, known before the archive starts (the ZIP's length needs it). */
export function manifestSize(items: readonly ExportItem[], redact: boolean): number {
  let size = Buffer.byteLength(manifestHeader(redact));
  for (const item of items) {
    size += Buffer.byteLength(manifestLine(manifestEntry(item), redact));
  }
  return size;
}

/** manifest.csv in pieces of about 64 KiB, made as it streams (10,000 lines are never held whole). */
export async function* manifestChunks(
  items: readonly ExportItem[],
  redact: boolean,
  size: number,
): AsyncGenerator<Uint8Array> {
  let pending = manifestHeader(redact);
  let written = 0;
  for (const item of items) {
    pending += manifestLine(manifestEntry(item), redact);
    if (pending.length >= 64 * 1024) {
      const chunk = Buffer.from(pending);
      written += chunk.length;
      pending = '';
      yield chunk;
    }
  }
  const last = Buffer.from(pending);
  written += last.length;
  if (written !== size) throw new Error(`manifest of ${written} bytes where ${size} were planned`);
  yield last;
}

/** Runs `task` over `items` with at most `limit` at once, keeping the order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
