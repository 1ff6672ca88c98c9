import type { ComfyImageRef } from '@atelier/contract';
import { ByteBudgetLru } from '../common/byte-budget-lru.js';

/** A body larger than this is streamed but never kept: one huge image must not flush the whole cache. */
export const maxCachedImageBytes = 16 * 1024 * 1024;

/** One image as ComfyUI last sent it, with the validator that lets us ask whether it is still current. */
export interface CachedImage {
  readonly body: Buffer;
  /** The media type already checked against the allowed raster types. */
  readonly contentType: string;
  readonly etag: string;
  readonly lastModified: string | undefined;
}

/**
 * Bytes of images ComfyUI already sent, least recently used evicted first within a byte budget. It is
 * never trusted on its own: the view proxy revalidates every entry with `If-None-Match` and serves it
 * only on ComfyUI's 304, so it saves the transfer and the copy, not the round trip. Keyed by the full
 * (type, subfolder, filename), so `temp` images are cached too: their names come back after a ComfyUI
 * restart, but the new file's ETag (mtime + size) differs and the revalidation fetches it.
 */
export class ViewCache {
  private readonly entries: ByteBudgetLru<string, CachedImage>;
  readonly maxEntryBytes: number;

  constructor(readonly budgetBytes: number) {
    this.maxEntryBytes = Math.min(maxCachedImageBytes, budgetBytes);
    this.entries = new ByteBudgetLru(budgetBytes, (entry) => entry.body.length);
  }

  static key(ref: ComfyImageRef): string {
    // NUL cannot appear in a checked path, so the parts cannot run into each other.
    return `${ref.type}\u0000${ref.subfolder}\u0000${ref.filename}`;
  }

  get enabled(): boolean {
    return this.budgetBytes > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  get totalBytes(): number {
    return this.entries.totalBytes;
  }

  /** Whether a body of this length (when known) may be kept. */
  accepts(length: number | undefined): boolean {
    return this.enabled && (length === undefined || length <= this.maxEntryBytes);
  }

  get(key: string): CachedImage | undefined {
    return this.entries.get(key);
  }

  set(key: string, entry: CachedImage): void {
    this.entries.delete(key);
    if (this.accepts(entry.body.length)) this.entries.set(key, entry);
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
