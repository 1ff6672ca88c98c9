import type { GalleryMime } from '@atelier/contract';
import { blockReader, type CopyPlan, type ReadAt } from './copy-plan.js';
import { jpegLabelSegment, planJpegCopy, readJpegSegments } from './jpeg-label.js';
import { planPngCopy, pngLabelChunk, readPngChunks } from './png-label.js';
import { planWebpCopy, readWebpChunks } from './webp-label.js';

/**
 * The plan of an image's exported copy, labelled as AI-generated and, with `redact`, without its
 * prompts and workflows. Reads only headers: the chunk or segment table, never the pixels.
 */
export async function planLabelledCopy(
  readAt: ReadAt,
  size: number,
  mime: GalleryMime,
  redact: boolean,
): Promise<CopyPlan> {
  const read = blockReader(readAt);
  switch (mime) {
    case 'image/png':
      return planPngCopy(await readPngChunks(read, size, redact), size, redact);
    case 'image/jpeg':
      return planJpegCopy(await readJpegSegments(read, size, redact), size, redact);
    case 'image/webp': {
      const chunks = await readWebpChunks(read, size);
      const first = chunks[0]?.start ?? 12;
      return planWebpCopy(chunks, redact, await read(first + 8, 10));
    }
  }
}

/**
 * The size of a labelled, unredacted copy from the original's size alone, where the format allows:
 * PNG and JPEG only insert the label. Null for WebP (a simple file also gains a VP8X chunk).
 */
export function plainLabelledSize(mime: GalleryMime, size: number): number | null {
  if (mime === 'image/png') return size + pngLabelChunk.length;
  if (mime === 'image/jpeg') return size + jpegLabelSegment.length;
  return null;
}
