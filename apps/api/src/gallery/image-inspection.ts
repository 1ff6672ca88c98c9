import type { GalleryMime } from '@atelier/contract';
import { createHash } from 'node:crypto';
import { readImageHeader, sniffImageType, type AcceptedImageExt } from '../common/image-bytes.js';
import { AppError } from '../http/app-error.js';

/** What the bytes are, judged from the bytes alone (never from a file name or a client's type). */
export interface InspectedImage {
  data: Buffer;
  sha256: string;
  mime: GalleryMime;
  ext: AcceptedImageExt;
  /** As displayed, i.e. after EXIF orientation. */
  width: number;
  height: number;
}

/**
 * Sniffs the type (png, jpeg, webp only: 415 otherwise), reads the header for the size and refuses
 * more than `maxPixels` (413) before anything decodes the pixels. Full decoding, which catches
 * truncated or corrupt data, happens when the thumbnail is made.
 */
export async function inspectImage(data: Buffer, maxPixels: number): Promise<InspectedImage> {
  if (data.length === 0) {
    throw new AppError('gallery.invalid_image', 'The file is empty', { file: ['is empty'] });
  }
  const type = await sniffImageType(data);
  if ('unsupported' in type) {
    throw new AppError('unsupported_media_type', 'Only PNG, JPEG and WebP images can be kept', {
      file: [`is ${type.unsupported}; png, jpeg or webp expected`],
    });
  }

  // Header only: the pixel limit below is checked before any decoding.
  const header = await readImageHeader(data);
  if (!header) {
    throw new AppError('gallery.invalid_image', 'The image cannot be read', {
      file: ['is not a valid image'],
    });
  }
  const { width, height } = header;
  if (!(width > 0 && height > 0)) {
    throw new AppError('gallery.invalid_image', 'The image has no size', {
      file: ['has no width or height'],
    });
  }
  if (width * height > maxPixels) {
    throw new AppError('payload_too_large', `The image has more than ${maxPixels} pixels`, {
      width,
      height,
      max_pixels: maxPixels,
    });
  }
  const sha256 = createHash('sha256').update(data).digest('hex');
  return { data, sha256, ...type, width, height };
}
