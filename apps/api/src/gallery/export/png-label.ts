import { crc32 } from 'node:zlib';
import {
  PlanBuilder,
  UnlabellableImageError,
  asciiAt,
  uint32At,
  type CopyPlan,
  type ReadAt,
} from './copy-plan.js';
import { xmpBytes } from './xmp-packet.js';

const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const ihdrEnd = 8 + 12 + 13;

/** One chunk: `start` is its length field, `end` is just past its CRC. */
export interface PngChunk {
  type: string;
  start: number;
  end: number;
}

/**
 * What a redacted copy keeps: the critical chunks, colour and display information, and animation
 * (APNG). Everything else goes — tEXt/zTXt/iTXt (ComfyUI's `prompt` and `workflow`), eXIf, tIME and
 * private chunks whose content nobody here can vouch for.
 */
const keptWhenRedacted = new Set([
  'IHDR',
  'PLTE',
  'IDAT',
  'IEND',
  'tRNS',
  'cHRM',
  'gAMA',
  'iCCP',
  'sBIT',
  'sRGB',
  'cICP',
  'mDCV',
  'cLLI',
  'bKGD',
  'hIST',
  'pHYs',
  'sPLT',
  'acTL',
  'fcTL',
  'fdAT',
]);

/** The label as a PNG chunk: iTXt, keyword `XML:com.adobe.xmp`, uncompressed, no language. */
export const pngLabelChunk: Uint8Array = (() => {
  const keyword = new TextEncoder().encode('XML:com.adobe.xmp');
  // keyword \0, compression flag 0, method 0, language tag "" \0, translated keyword "" \0, text.
  const data = new Uint8Array(keyword.length + 5 + xmpBytes.length);
  data.set(keyword, 0);
  data.set(xmpBytes, keyword.length + 5);
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set(new TextEncoder().encode('iTXt'), 4);
  chunk.set(data, 8);
  view.setUint32(8 + data.length, crc32(chunk.subarray(4, 8 + data.length)));
  return chunk;
})();

/**
 * Walks the chunk table by the chunks' lengths (8 bytes read per chunk, served from blocks), never
 * the chunk data. `all: false` stops after IHDR: a label alone needs no more.
 */
export async function readPngChunks(read: ReadAt, size: number, all: boolean): Promise<PngChunk[]> {
  const head = await read(0, 8);
  if (head.length < 8 || signature.some((byte, i) => head[i] !== byte)) {
    throw new UnlabellableImageError('not a PNG signature');
  }
  const chunks: PngChunk[] = [];
  let position = 8;
  while (position < size) {
    const header = await read(position, 8);
    if (header.length < 8) throw new UnlabellableImageError(`a chunk header is cut at ${position}`);
    const end = position + 12 + uint32At(header, 0);
    if (end > size) throw new UnlabellableImageError(`a chunk runs past the end at ${position}`);
    const type = asciiAt(header, 4, 4);
    chunks.push({ type, start: position, end });
    if (chunks.length === 1 && (type !== 'IHDR' || end !== ihdrEnd)) {
      throw new UnlabellableImageError('the first chunk is not IHDR');
    }
    if (type === 'IEND' || !all) break;
    position = end;
  }
  return chunks;
}

/**
 * The labelled copy: the label right after IHDR (XMP may go anywhere before IEND; early is where
 * readers look first). Redacted, only the chunks listed above are kept, and nothing after IEND.
 */
export function planPngCopy(chunks: readonly PngChunk[], size: number, redact: boolean): CopyPlan {
  const [ihdr] = chunks;
  if (ihdr?.type !== 'IHDR') throw new UnlabellableImageError('the first chunk is not IHDR');
  const plan = new PlanBuilder().copy(0, ihdr.end).insert(pngLabelChunk);
  if (!redact) return plan.copy(ihdr.end, size).build();
  for (const chunk of chunks.slice(1)) {
    if (keptWhenRedacted.has(chunk.type)) plan.copy(chunk.start, chunk.end);
  }
  return plan.build();
}
