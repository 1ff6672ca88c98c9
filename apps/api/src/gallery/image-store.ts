import type { Readable } from 'node:stream';

/** The areas of stored files: originals with their sidecars, thumbnails, and ZIP exports built in the background. */
export type StoreArea = 'images' | 'thumbnails' | 'exports';

/** Where a stored file is: an area and a path inside it (`2026-12-05/<sha256>.png`, `<sha256>.webp`). */
export interface StoreKey {
  area: StoreArea;
  path: string;
}

export const imageKey = (path: string): StoreKey => ({ area: 'images', path });
export const thumbnailKey = (path: string): StoreKey => ({ area: 'thumbnails', path });
export const exportKey = (path: string): StoreKey => ({ area: 'exports', path });

/** A file to read from a store: what an answer or an export is made from. */
export interface StoredFile {
  store: ImageStore;
  key: StoreKey;
}

export interface StoredFileInfo {
  size: number;
  modifiedAt: Date;
}

/** Bytes `start`–`end` of a file, both included (as in an HTTP Range). */
export interface ByteRange {
  start: number;
  end: number;
}

/** A stored file open for positional reads (an export's header walks and read-ahead); close it. */
export interface StoredFileReader {
  size(): Promise<number>;
  /** Reads up to `length` bytes at `position` into `buffer` (from 0); how many were read (0 at the end). */
  read(buffer: Buffer, length: number, position: number): Promise<number>;
  close(): Promise<void>;
}

/**
 * The gallery's stored files, wherever they live. Every replica must see the same files: the embedded and
 * scale-out modes use `FileImageStore` on a `generated/` folder that all replicas mount; an object store
 * (S3 and kin) would be another implementation of this class. Missing files reject with an error whose
 * `code` is 'ENOENT' (what callers test with isCode), whatever the implementation.
 */
export abstract class ImageStore {
  /** Stores `data` atomically: readers see the old file or the whole new one, never a part. */
  abstract write(key: StoreKey, data: Uint8Array | string): Promise<void>;

  /**
   * Stores a file too large to hold in memory (a built export) from `chunks`, as atomically as `write`.
   * Each chunk is written before the next is asked for, so the source may reuse a chunk's buffer then.
   * Resolves with the bytes written. This default buffers the whole file; stores override it to stream.
   */
  async writeStream(key: StoreKey, chunks: AsyncIterable<Uint8Array>): Promise<number> {
    const parts: Buffer[] = [];
    for await (const chunk of chunks) parts.push(Buffer.from(chunk));
    const data = Buffer.concat(parts);
    await this.write(key, data);
    return data.length;
  }

  /** The whole file (thumbnails, sidecars, an original to decode). */
  abstract read(key: StoreKey): Promise<Buffer>;

  /** A stream of the file, or of `range` of it. */
  abstract stream(key: StoreKey, range?: ByteRange): Promise<Readable>;

  /** For positional reads; the caller closes it. */
  abstract open(key: StoreKey): Promise<StoredFileReader>;

  /** Size and time of a file; null when there is none. */
  abstract stat(key: StoreKey): Promise<StoredFileInfo | null>;

  abstract exists(key: StoreKey): Promise<boolean>;

  /** Removes files (missing ones are fine), durably. */
  abstract remove(keys: readonly StoreKey[]): Promise<void>;

  /** The paths of an area's files under `prefix` (a folder, '' for all), in no set order. */
  abstract list(area: StoreArea, prefix?: string): AsyncIterable<string>;

  /**
   * A path on this machine's disk for `key` when the store keeps files there (null for a remote store):
   * a whole-file answer then goes through `send` (sendfile, ranges, conditional requests) as before.
   */
  abstract localPath(key: StoreKey): string | null;
}
