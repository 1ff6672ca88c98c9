import type { ImageStore, StoredFileReader, StoreKey } from '../image-store.js';
import type { BufferPool } from './buffer-pool.js';
import type { CopyPlan, ReadAt } from './copy-plan.js';

/** Reads of 256 KiB: few enough calls, and small enough that an export's buffer pool stays a few MB. */
export const readSize = 256 * 1024;

/** Positional reads on an open file, for the header walks. */
export function readAtHandle(handle: StoredFileReader): ReadAt {
  return async (position, length) => {
    const buffer = Buffer.allocUnsafe(length);
    return buffer.subarray(0, await handle.read(buffer, length, position));
  };
}

/** A key as a name for messages and logs. */
export function nameOf(key: StoreKey): string {
  return `${key.area}/${key.path}`;
}

/**
 * The files an export holds open. A client that goes away mid-download leaves a copy half read, and
 * the ZIP writer does not always finish its inputs: closing them all when the response ends is what
 * keeps descriptors from leaking.
 */
export class OpenFiles {
  private readonly handles = new Set<StoredFileReader>();
  private isClosed = false;

  constructor(private readonly store: ImageStore) {}

  async open(key: StoreKey): Promise<StoredFileReader> {
    if (this.isClosed) throw new Error('The export has ended');
    const handle = await this.store.open(key);
    if (this.isClosed) {
      // Closed while it opened (an export dropped before its first read): nothing will close it later.
      await handle.close();
      throw new Error('The export has ended');
    }
    this.handles.add(handle);
    return handle;
  }

  async close(handle: StoredFileReader): Promise<void> {
    if (this.handles.delete(handle)) await handle.close();
  }

  async closeAll(): Promise<void> {
    this.isClosed = true;
    const handles = [...this.handles];
    this.handles.clear();
    await Promise.allSettled(handles.map((handle) => handle.close()));
  }
}

/**
 * Streams a copy of `key` as its plan lays it out (made from the open file when `pieces` is null),
 * reading into `buffers` when given. A file that no longer matches the planned size (shorter,
 * changed) fails the stream: the archive's announced length would be a lie, so the download
 * breaks rather than ends short.
 */
export async function* copyByPlan(
  files: OpenFiles,
  key: StoreKey,
  planned: { size: number; pieces: CopyPlan['pieces'] | null },
  layout: (read: ReadAt, size: number) => Promise<CopyPlan>,
  /** Given, reads go into its buffers (the consumer gives each back once written). */
  buffers?: BufferPool,
): AsyncGenerator<Uint8Array> {
  const handle = await files.open(key);
  let written = 0;
  try {
    const pieces = planned.pieces ?? (await layout(readAtHandle(handle), await handle.size())).pieces;
    for (const piece of pieces) {
      if ('bytes' in piece) {
        written += piece.bytes.length;
        yield piece.bytes;
        continue;
      }
      for await (const chunk of readAhead(handle, piece, buffers)) {
        if (chunk.length === 0) throw new Error(`${nameOf(key)} ended before its planned copy`);
        written += chunk.length;
        yield chunk;
      }
    }
  } finally {
    await files.close(handle);
  }
  if (written !== planned.size)
    throw new Error(`${nameOf(key)}: copied ${written} bytes, planned ${planned.size}`);
}

type Settled<T> = { value: T } | { error: unknown };

/**
 * The bytes `from`–`to` of a file, with the next read already under way while a chunk is written:
 * on a cold cache the disk and the socket then work at once. An empty chunk means the file ended.
 */
async function* readAhead(
  handle: StoredFileReader,
  range: { from: number; to: number },
  buffers: BufferPool | undefined,
): AsyncGenerator<Buffer> {
  const size = buffers?.size ?? readSize;
  // Settled at once: a read failing while the consumer is elsewhere is not an unhandled rejection.
  const readAt = (position: number): Promise<Settled<Buffer>> => {
    const length = Math.min(size, range.to - position);
    const buffer = buffers ? buffers.take() : Buffer.allocUnsafe(length);
    return handle.read(buffer, length, position).then(
      (bytesRead) => ({ value: buffer.subarray(0, bytesRead) }),
      (error: unknown) => ({ error }),
    );
  };
  let position = range.from;
  let next = position < range.to ? readAt(position) : null;
  try {
    while (next) {
      const read = await next;
      next = null;
      if ('error' in read) throw read.error;
      position += read.value.length;
      if (read.value.length > 0 && position < range.to) next = readAt(position);
      yield read.value;
      if (read.value.length === 0) return;
    }
  } finally {
    // The handle closes after this: let a read still under way finish first.
    if (next) await next;
  }
}

/** Streams text that must come to exactly `size` bytes (predicted before the archive started). */
export async function* exactText(text: () => Promise<string>, size: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(await text());
  if (bytes.length !== size) throw new Error(`text of ${bytes.length} bytes where ${size} were planned`);
  yield bytes;
}
