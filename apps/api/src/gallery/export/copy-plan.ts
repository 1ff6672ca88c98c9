/**
 * How an exported copy is made from an original on disk: byte ranges of the original, with new bytes
 * (the label) in between. The plan is made from the file's headers alone, so the copy's exact size is
 * known before any pixel is read, and the copy is then streamed range by range.
 */
export type Piece = { bytes: Uint8Array } | { from: number; to: number };

export interface CopyPlan {
  size: number;
  pieces: Piece[];
}

/** Reads up to `length` bytes at `position` (fewer at the end of the file). */
export type ReadAt = (position: number, length: number) => Promise<Uint8Array>;

/** The original is not laid out as its format says: it cannot be labelled (or redacted) safely. */
export class UnlabellableImageError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'UnlabellableImageError';
  }
}

/** Collects pieces, merging adjacent ranges so a copy is read in as few reads as it can be. */
export class PlanBuilder {
  private readonly pieces: Piece[] = [];
  private size = 0;

  copy(from: number, to: number): this {
    if (to <= from) return this;
    const last = this.pieces.at(-1);
    if (last && 'to' in last && last.to === from) last.to = to;
    else this.pieces.push({ from, to });
    this.size += to - from;
    return this;
  }

  insert(bytes: Uint8Array): this {
    this.pieces.push({ bytes });
    this.size += bytes.length;
    return this;
  }

  build(): CopyPlan {
    return { size: this.size, pieces: this.pieces };
  }
}

/**
 * Serves the small header reads of a walk from blocks read ahead, so walking a chunk table costs a
 * read per block, not per chunk. Dense tables (small chunks) get big blocks; a jump over a large
 * chunk reads a small one, so a walk never reads the pixels it skips.
 */
export function blockReader(read: ReadAt, blockSize = 64 * 1024, smallBlock = 4096): ReadAt {
  let blockAt = -1;
  let block: Uint8Array = new Uint8Array(0);
  return async (position, length) => {
    const blockEnd = blockAt + block.length;
    if (blockAt < 0 || position < blockAt || position + length > blockEnd) {
      const isDense = blockAt >= 0 && position >= blockEnd && position - blockEnd < smallBlock * 4;
      block = await read(position, Math.max(length, isDense ? blockSize : smallBlock));
      blockAt = position;
    }
    const start = position - blockAt;
    return block.subarray(start, Math.min(start + length, block.length));
  };
}

export function uint32At(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset);
}

export function uint16At(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint16(offset);
}

export function asciiAt(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}
