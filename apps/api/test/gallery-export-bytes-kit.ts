import { crc32 } from 'node:zlib';
import type { CopyPlan, ReadAt } from '../src/gallery/export/copy-plan.js';

/** A ReadAt over bytes in memory that counts what it was asked for (walks must read headers only). */
export function memoryReader(bytes: Uint8Array): ReadAt & { bytesRead: number; reads: number } {
  const read = async (position: number, length: number) => {
    read.reads += 1;
    const slice = bytes.subarray(position, Math.min(position + length, bytes.length));
    read.bytesRead += slice.length;
    return slice;
  };
  read.bytesRead = 0;
  read.reads = 0;
  return read;
}

/** The copy a plan describes, made in memory. */
export function materialize(plan: CopyPlan, original: Uint8Array): Buffer {
  const out = Buffer.concat(
    plan.pieces.map((piece) => ('bytes' in piece ? piece.bytes : original.subarray(piece.from, piece.to))),
  );
  if (out.length !== plan.size) throw new Error(`plan says ${plan.size} bytes, pieces make ${out.length}`);
  return out;
}

/** A PNG chunk with its CRC. */
export function pngChunk(type: string, data: Uint8Array | string): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), Buffer.from(data)]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(body.length - 4, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body) >>> 0, out.length - 4);
  return out;
}

/** The chunk types of a PNG, in order. */
export function pngChunkTypes(png: Uint8Array): string[] {
  const bytes = Buffer.from(png);
  const types: string[] = [];
  for (let at = 8; at + 8 <= bytes.length; at += 12 + bytes.readUInt32BE(at)) {
    types.push(bytes.toString('latin1', at + 4, at + 8));
  }
  return types;
}

/** Splits a PNG after IHDR and before IEND, to put extra chunks around IDAT. */
export function withChunks(png: Buffer, beforeIdat: Buffer[], afterIdat: Buffer[]): Buffer {
  const afterIhdr = 33;
  return Buffer.concat([
    png.subarray(0, afterIhdr),
    ...beforeIdat,
    png.subarray(afterIhdr, png.length - 12),
    ...afterIdat,
    png.subarray(png.length - 12),
  ]);
}

/** A JPEG segment: marker, length, data. */
export function jpegSegment(marker: number, text: string): Buffer {
  const data = Buffer.from(text, 'latin1');
  const out = Buffer.alloc(4 + data.length);
  out[0] = 0xff;
  out[1] = marker;
  out.writeUInt16BE(data.length + 2, 2);
  data.copy(out, 4);
  return out;
}

/** The markers of a JPEG's segments before its scan, in order. */
export function jpegMarkers(jpeg: Buffer): number[] {
  const out: number[] = [];
  let at = 2;
  while (at + 4 <= jpeg.length && jpeg[at] === 0xff) {
    const marker = jpeg[at + 1] ?? 0;
    out.push(marker);
    if (marker === 0xda) break;
    at += 2 + jpeg.readUInt16BE(at + 2);
  }
  return out;
}
