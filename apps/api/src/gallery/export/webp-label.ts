import { PlanBuilder, UnlabellableImageError, asciiAt, type CopyPlan, type ReadAt } from './copy-plan.js';
import { xmpBytes } from './xmp-packet.js';

/** One RIFF chunk: `start` is its FourCC, `end` is past its data and pad byte. */
export interface WebpChunk {
  type: string;
  start: number;
  end: number;
}

const xmpFlag = 0x04;
const exifFlag = 0x08;
const alphaFlag = 0x10;
/** Redacted copies keep the image, its alpha, animation and colour profile; EXIF and XMP go. */
const keptWhenRedacted = new Set(['VP8X', 'VP8 ', 'VP8L', 'ALPH', 'ANIM', 'ANMF', 'ICCP']);

function chunk(type: string, data: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(8 + data.length + (data.length % 2));
  bytes.set(new TextEncoder().encode(type), 0);
  new DataView(bytes.buffer).setUint32(4, data.length, true);
  bytes.set(data, 8);
  return bytes;
}

/** The label as a WebP `XMP ` chunk (it goes after the image data, as the container spec says). */
export const webpLabelChunk: Uint8Array = chunk('XMP ', xmpBytes);

/** Walks the RIFF chunks by their sizes (a WebP has a handful: the image, alpha, frames, profile, metadata). */
export async function readWebpChunks(read: ReadAt, size: number): Promise<WebpChunk[]> {
  const head = await read(0, 12);
  if (head.length < 12 || asciiAt(head, 0, 4) !== 'RIFF' || asciiAt(head, 8, 4) !== 'WEBP') {
    throw new UnlabellableImageError('not a WebP container');
  }
  const chunks: WebpChunk[] = [];
  let position = 12;
  while (position + 8 <= size) {
    const header = await read(position, 8);
    if (header.length < 8) break;
    const length = new DataView(header.buffer, header.byteOffset, 8).getUint32(4, true);
    const end = position + 8 + length + (length % 2);
    if (end > size) throw new UnlabellableImageError(`a chunk runs past the end at ${position}`);
    chunks.push({ type: asciiAt(header, 0, 4), start: position, end });
    position = end;
  }
  const first = chunks[0]?.type;
  if (first !== 'VP8X' && first !== 'VP8 ' && first !== 'VP8L') {
    throw new UnlabellableImageError('the first chunk is not VP8X, VP8 or VP8L');
  }
  return chunks;
}

/**
 * The labelled copy: a VP8X container (a simple VP8/VP8L file gains the VP8X chunk, which needs the
 * canvas size: `firstBytes` are the 10 bytes after a simple file's image chunk header) with the XMP
 * flag set and the label appended; the RIFF size is rewritten to match.
 */
export function planWebpCopy(
  chunks: readonly WebpChunk[],
  redact: boolean,
  firstBytes: Uint8Array,
): CopyPlan {
  const [first] = chunks;
  if (!first) throw new UnlabellableImageError('no chunks');
  const body = chunks.filter((c) => !redact || keptWhenRedacted.has(c.type));
  const bodySize = body.reduce((sum, c) => sum + (c.end - c.start), 0);
  const vp8xSize = first.type === 'VP8X' ? 0 : 18;
  const riff = new Uint8Array(12);
  riff.set(new TextEncoder().encode('RIFFxxxxWEBP'));
  new DataView(riff.buffer).setUint32(4, 4 + vp8xSize + bodySize + webpLabelChunk.length, true);
  const plan = new PlanBuilder().insert(riff);
  if (first.type === 'VP8X') {
    const flags = (firstBytes[0] ?? 0) | xmpFlag;
    plan.copy(first.start, first.start + 8).insert(Uint8Array.of(redact ? flags & ~exifFlag : flags));
    plan.copy(first.start + 9, first.end);
  } else {
    plan.insert(vp8xChunk(first.type, firstBytes));
    plan.copy(first.start, first.end);
  }
  for (const c of body.slice(1)) plan.copy(c.start, c.end);
  return plan.insert(webpLabelChunk).build();
}

/** A VP8X chunk for a simple file: canvas size (and alpha, for VP8L) read from the bitstream header. */
function vp8xChunk(type: string, bits: Uint8Array): Uint8Array {
  const view = new DataView(bits.buffer, bits.byteOffset, bits.byteLength);
  let width: number;
  let height: number;
  let flags = xmpFlag;
  if (type === 'VP8L') {
    if (bits.length < 5 || bits[0] !== 0x2f) throw new UnlabellableImageError('no VP8L signature');
    const packed = view.getUint32(1, true);
    width = (packed & 0x3fff) + 1;
    height = ((packed >>> 14) & 0x3fff) + 1;
    if (packed & (1 << 28)) flags |= alphaFlag;
  } else {
    if (bits.length < 10 || bits[3] !== 0x9d || bits[4] !== 0x01 || bits[5] !== 0x2a) {
      throw new UnlabellableImageError('no VP8 key frame start code');
    }
    width = view.getUint16(6, true) & 0x3fff;
    height = view.getUint16(8, true) & 0x3fff;
  }
  const data = new Uint8Array(10);
  const out = new DataView(data.buffer);
  data[0] = flags;
  out.setUint16(4, (width - 1) & 0xffff, true);
  data[6] = ((width - 1) >>> 16) & 0xff;
  out.setUint16(7, (height - 1) & 0xffff, true);
  data[9] = ((height - 1) >>> 16) & 0xff;
  return chunk('VP8X', data);
}
