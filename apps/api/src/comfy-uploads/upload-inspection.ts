import type { ComfyUploadMime } from '@atelier/contract';
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import { readImageHeader, sniffImageType, type AcceptedImageExt } from '../common/image-bytes.js';
import { AppError } from '../http/app-error.js';

/** An upload judged from its bytes alone (never from the file name or the client's type). */
export interface InspectedUpload {
  sha256: string;
  mime: ComfyUploadMime;
  ext: AcceptedImageExt;
  /** As ComfyUI's LoadImage sees it, after EXIF orientation. */
  width: number;
  height: number;
}

const invalid = (why: string) =>
  new AppError('validation_failed', 'The image cannot be read', { image: [why] });

/**
 * Sniffs the type (png, jpeg or webp, else 415), reads the header and refuses more than `maxPixels`
 * (all frames counted: LoadImage loads every frame) with 413 before anything decodes; then decodes it once
 * with libvips' strict mode so truncated or corrupt files are refused (400) here rather than failing the job.
 */
export async function inspectUpload(data: Buffer, maxPixels: number): Promise<InspectedUpload> {
  if (data.length === 0) throw invalid('is empty');
  const type = await sniffImageType(data);
  if ('unsupported' in type) {
    throw new AppError('unsupported_media_type', 'Only PNG, JPEG and WebP images can be sent to ComfyUI', {
      image: [`is ${type.unsupported}; png, jpeg or webp expected`],
    });
  }
  const header = await readImageHeader(data);
  if (!header) throw invalid('is not a valid image');
  const { width, height, frames } = header;
  if (!(width > 0 && height > 0)) throw invalid('has no width or height');
  const pixels = width * height * frames;
  if (pixels > maxPixels) {
    throw new AppError('payload_too_large', `The image has more than ${maxPixels} pixels`, {
      width,
      height,
      frames,
      max_pixels: maxPixels,
    });
  }
  try {
    await sharp(data, {
      failOn: 'error',
      limitInputPixels: maxPixels,
      sequentialRead: true,
      pages: -1,
    }).stats();
  } catch {
    throw invalid('is truncated or corrupt');
  }
  return { sha256: createHash('sha256').update(data).digest('hex'), ...type, width, height };
}

/** Ours, never the client's: the same bytes always get the same name. */
export function uploadNameOf(upload: InspectedUpload): string {
  return `atelier-${upload.sha256.slice(0, 16)}.${upload.ext}`;
}
