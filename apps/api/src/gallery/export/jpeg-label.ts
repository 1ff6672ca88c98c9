import { PlanBuilder, UnlabellableImageError, uint16At, type CopyPlan, type ReadAt } from './copy-plan.js';
import { xmpBytes } from './xmp-packet.js';

const soi = 0xd8;
const eoi = 0xd9;
const sos = 0xda;
const app0 = 0xe0;
const xmpNamespace = 'http://ns.adobe.com/xap/1.0/\0';

/** A marker segment before the scan: `start` is its 0xFF (fill bytes included), `end` is past its data. */
export interface JpegSegment {
  marker: number;
  start: number;
  end: number;
}

/**
 * What a redacted copy keeps before the scan: everything but COM and the APPn segments, except APP0
 * (JFIF), APP2 (ICC profile) and APP14 (Adobe colour transform), which colours depend on. Exif (APP1)
 * goes too, prompts travel in its UserComment; so does its orientation, a known cost of redacting.
 */
function isKeptWhenRedacted(marker: number): boolean {
  if (marker === 0xfe) return false;
  if (marker >= 0xe0 && marker <= 0xef) return marker === 0xe0 || marker === 0xe2 || marker === 0xee;
  return true;
}

/** The label as an APP1 XMP segment. */
export const jpegLabelSegment: Uint8Array = (() => {
  const header = new TextEncoder().encode(xmpNamespace);
  const segment = new Uint8Array(4 + header.length + xmpBytes.length);
  segment[0] = 0xff;
  segment[1] = 0xe1;
  new DataView(segment.buffer).setUint16(2, segment.length - 2);
  segment.set(header, 4);
  segment.set(xmpBytes, 4 + header.length);
  return segment;
})();

/**
 * Walks the marker segments by their lengths up to the start of the scan (the compressed data is not
 * read). `all: false` stops after the leading APP0 segments: where the label goes.
 */
export async function readJpegSegments(read: ReadAt, size: number, all: boolean): Promise<JpegSegment[]> {
  const head = await read(0, 2);
  if (head[0] !== 0xff || head[1] !== soi) throw new UnlabellableImageError('not a JPEG (no SOI)');
  const segments: JpegSegment[] = [];
  let position = 2;
  while (position < size) {
    const start = position;
    let marker = 0xff;
    // Any number of 0xFF fill bytes may precede a marker.
    while (marker === 0xff) {
      const [byte] = await read(position, 1);
      if (byte === undefined) throw new UnlabellableImageError(`the file ends inside a marker at ${start}`);
      if (position === start && byte !== 0xff) throw new UnlabellableImageError(`no marker at ${start}`);
      if (position > start) marker = byte;
      position += 1;
    }
    if (marker === sos || marker === eoi) return [...segments, { marker, start, end: start }];
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      segments.push({ marker, start, end: position });
      continue;
    }
    const length = await read(position, 2);
    if (length.length < 2) throw new UnlabellableImageError(`a segment length is cut at ${position}`);
    const end = position + uint16At(length, 0);
    if (end > size || uint16At(length, 0) < 2) throw new UnlabellableImageError(`a bad segment at ${start}`);
    if (!all && marker !== app0) return [...segments, { marker, start, end: start }];
    segments.push({ marker, start, end });
    position = end;
  }
  throw new UnlabellableImageError('no scan before the end of the file');
}

/**
 * The labelled copy: the label right after SOI and the APP0 segments (JFIF wants its APP0 first).
 * The walk's last segment marks where copying the rest verbatim starts.
 */
export function planJpegCopy(segments: readonly JpegSegment[], size: number, redact: boolean): CopyPlan {
  const rest = segments.at(-1);
  if (!rest) throw new UnlabellableImageError('no segments');
  const leading = segments.findIndex((segment) => segment.marker !== app0);
  const labelAt = leading < 0 ? rest.start : (segments[leading]?.start ?? rest.start);
  const plan = new PlanBuilder().copy(0, labelAt).insert(jpegLabelSegment);
  if (!redact) return plan.copy(labelAt, size).build();
  for (const segment of segments.slice(Math.max(leading, 0), -1)) {
    if (isKeptWhenRedacted(segment.marker)) plan.copy(segment.start, segment.end);
  }
  return plan.copy(rest.start, size).build();
}
