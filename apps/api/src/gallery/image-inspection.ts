import type { GalleryMime } from '@atelier/contract';
import { createHash } from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import sharp, { type Metadata } from 'sharp';
import { AppError } from '../http/app-error.js';

/** What the bytes are, judged from the bytes alone (never from a file name or a client's type). */
export interface InspectedImage {
  data: Buffer;
  sha256: string;
  mime: GalleryMime;
  ext: 'png' | 'jpg' | 'webp';
  /** As displayed, i.e. after EXIF orientation. */
  width: number;
  height: number;
}

const acceptedTypes: Readonly<Record<string, { mime: GalleryMime; ext: InspectedImage['ext'] }>> = {
  'image/png': { mime: 'image/png', ext: 'png' },
  // An animated PNG is still a PNG; its first frame is what the thumbnail shows.
  'image/apng': { mime: 'image/png', ext: 'png' },
  'image/jpeg': { mime: 'image/jpeg', ext: 'jpg' },
  'image/webp': { mime: 'image/webp', ext: 'webp' },
};

/**
 * Sniffs the type (png, jpeg, webp only: 415 otherwise), reads the header for the size and refuses
 * more than `maxPixels` (413) before anything decodes the pixels. Full decoding, which catches
 * truncated or corrupt data, happens when the thumbnail is made.
 */
export async function inspectImage(data: Buffer, maxPixels: number): Promise<InspectedImage> {
  if (data.length === 0) {
    throw new AppError('gallery.invalid_image', 'The file is empty', { file: ['is empty'] });
  }
  const sniffed = await fileTypeFromBuffer(data);
  const type = sniffed ? acceptedTypes[sniffed.mime] : undefined;
  if (!type) {
    const what = sniffed ? sniffed.mime : 'not a recognised image';
    throw new AppError('unsupported_media_type', 'Only PNG, JPEG and WebP images can be kept', {
      file: [`is ${what}; png, jpeg or webp expected`],
    });
  }

  let metadata: Metadata;
  try {
    // Header only: the pixel limit below is checked before any decoding.
    metadata = await sharp(data, { failOn: 'error', limitInputPixels: false }).metadata();
  } catch {
    throw new AppError('gallery.invalid_image', 'The image cannot be read', {
      file: ['is not a valid image'],
    });
  }
  const { width, height } = metadata.autoOrient;
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
