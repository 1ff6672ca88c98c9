import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import type { CopyPlan, ReadAt } from './copy-plan.js';

const readSize = 256 * 1024;

/** Positional reads on an open file, for the header walks. */
export function readAtHandle(handle: FileHandle): ReadAt {
  return async (position, length) => {
    const buffer = Buffer.allocUnsafe(length);
    const { bytesRead } = await handle.read(buffer, 0, length, position);
    return buffer.subarray(0, bytesRead);
  };
}

/**
 * The files an export holds open. A client that goes away mid-download leaves a copy half read, and
 * the ZIP writer does not always finish its inputs: closing them all when the response ends is what
 * keeps descriptors from leaking.
 */
export class OpenFiles {
  private readonly handles = new Set<FileHandle>();
  private isClosed = false;

  async open(path: string): Promise<FileHandle> {
    if (this.isClosed) throw new Error('The export has ended');
    const handle = await open(path, 'r');
    this.handles.add(handle);
    return handle;
  }

  async close(handle: FileHandle): Promise<void> {
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
 * Streams a copy of `path` as its plan lays it out (made from the open file when `pieces` is null),
 * and hands its SHA-256 to `done`. A file that no longer matches the planned size (shorter,
 * changed) fails the stream: the archive's announced length would be a lie, so the download
 * breaks rather than ends short.
 */
export async function* copyByPlan(
  files: OpenFiles,
  path: string,
  planned: { size: number; pieces: CopyPlan['pieces'] | null },
  layout: (read: ReadAt, size: number) => Promise<CopyPlan>,
  /** Given, the copy is hashed on the way and its SHA-256 handed over at the end. */
  done?: (sha256: string) => void,
): AsyncGenerator<Uint8Array> {
  const hash = done ? createHash('sha256') : null;
  const handle = await files.open(path);
  let written = 0;
  try {
    const pieces = planned.pieces ?? (await layout(readAtHandle(handle), (await handle.stat()).size)).pieces;
    for (const piece of pieces) {
      if ('bytes' in piece) {
        hash?.update(piece.bytes);
        written += piece.bytes.length;
        yield piece.bytes;
        continue;
      }
      for (let position = piece.from; position < piece.to;) {
        const length = Math.min(readSize, piece.to - position);
        const { bytesRead, buffer } = await handle.read(Buffer.allocUnsafe(length), 0, length, position);
        if (bytesRead === 0) throw new Error(`${path} ended before its planned copy`);
        const chunk = buffer.subarray(0, bytesRead);
        hash?.update(chunk);
        written += bytesRead;
        position += bytesRead;
        yield chunk;
      }
    }
  } finally {
    await files.close(handle);
  }
  if (written !== planned.size) throw new Error(`${path}: copied ${written} bytes, planned ${planned.size}`);
  if (done && hash) done(hash.digest('hex'));
}

/** Streams text that must come to exactly `size` bytes (predicted before the archive started). */
export async function* exactText(text: () => Promise<string>, size: number): AsyncGenerator<Uint8Array> {
  const bytes = Buffer.from(await text());
  if (bytes.length !== size) throw new Error(`text of ${bytes.length} bytes where ${size} were planned`);
  yield bytes;
}
