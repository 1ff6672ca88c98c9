import type { ComfyImageRef } from '@atelier/contract';

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
  /** Map order is recency order: a hit moves its entry to the end, eviction takes from the front. */
  private readonly entries = new Map<string, CachedImage>();
  private bytes = 0;
  readonly maxEntryBytes: number;

  constructor(readonly budgetBytes: number) {
    this.maxEntryBytes = Math.min(maxCachedImageBytes, budgetBytes);
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
    return this.bytes;
  }

  /** Whether a body of this length (when known) may be kept. */
  accepts(length: number | undefined): boolean {
    return this.enabled && (length === undefined || length <= this.maxEntryBytes);
  }

  get(key: string): CachedImage | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry;
  }

  set(key: string, entry: CachedImage): void {
    this.delete(key);
    if (!this.accepts(entry.body.length)) return;
    this.entries.set(key, entry);
    this.bytes += entry.body.length;
    for (const [oldest, old] of this.entries) {
      if (this.bytes <= this.budgetBytes) break;
      this.entries.delete(oldest);
      this.bytes -= old.body.length;
    }
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.bytes -= entry.body.length;
  }

  clear(): void {
    this.entries.clear();
    this.bytes = 0;
  }
}
