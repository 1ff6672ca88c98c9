import { createHash } from 'node:crypto';
import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';
import { AppError } from './app-error.js';

export type AcceptedImageMime = 'image/png' | 'image/jpeg' | 'image/webp';
export type AcceptedImageExt = 'png' | 'jpg' | 'webp';

const acceptedTypes: Readonly<Record<string, { mime: AcceptedImageMime; ext: AcceptedImageExt }>> = {
  'image/png': { mime: 'image/png', ext: 'png' },
  // An animated PNG is still a PNG (its first frame is what a thumbnail shows).
  'image/apng': { mime: 'image/png', ext: 'png' },
  'image/jpeg': { mime: 'image/jpeg', ext: 'jpg' },
  'image/webp': { mime: 'image/webp', ext: 'webp' },
};

/** An image judged from its bytes alone (never from a file name or a client's type). */
export interface InspectedImage {
  sha256: string;
  mime: AcceptedImageMime;
  ext: AcceptedImageExt;
  /** As displayed (and as ComfyUI's LoadImage sees it), i.e. after EXIF orientation. */
  width: number;
  height: number;
  frames: number;
}

export interface InspectOptions {
  /** Limit on width × height × frames. */
  maxPixels: number;
  /** The multipart part the image came in: the key of the error details. */
  part: string;
  /**
   * The code of the 400 for an empty, unreadable or corrupt image. Gallery ingest has always answered
   * `gallery.invalid_image` and uploads `validation_failed`; both are part of their API.
   */
  invalidCode: 'gallery.invalid_image' | 'validation_failed';
}

/**
 * Sniffs the type (png, jpeg or webp, else 415), reads the header and refuses more than `maxPixels`, all
 * frames counted (a browser and LoadImage decode every frame), with 413 before anything decodes; then
 * decodes it once with libvips' strict mode so truncated or corrupt files are refused (400) here.
 */
export async function inspectImage(data: Buffer, options: InspectOptions): Promise<InspectedImage> {
  const { maxPixels, part } = options;
  const invalid = (message: string, why: string) =>
    new AppError(options.invalidCode, message, { [part]: [why] });

  if (data.length === 0) throw invalid('The file is empty', 'is empty');
  const sniffed = await fileTypeFromBuffer(data);
  const type = sniffed ? acceptedTypes[sniffed.mime] : undefined;
  if (!type) {
    throw new AppError('unsupported_media_type', 'Only PNG, JPEG and WebP images are accepted', {
      [part]: [`is ${sniffed ? sniffed.mime : 'not a recognised image'}; png, jpeg or webp expected`],
    });
  }
  const header = await readHeader(data);
  if (!header) throw invalid('The image cannot be read', 'is not a valid image');
  const { width, height, frames } = header;
  if (!(width > 0 && height > 0)) throw invalid('The image has no size', 'has no width or height');
  if (width * height * frames > maxPixels) {
    throw new AppError('payload_too_large', `The image has more than ${maxPixels} pixels`, {
      width,
      height,
      ...(frames > 1 ? { frames } : {}),
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
    throw invalid('The image is truncated or corrupt', 'could not be decoded');
  }
  const sha256 = createHash('sha256').update(data).digest('hex');
  return { sha256, ...type, width, height, frames };
}

/** Size as displayed (after EXIF orientation) and frame count, from the header only. */
async function readHeader(data: Buffer): Promise<{ width: number; height: number; frames: number } | null> {
  try {
    const metadata = await sharp(data, { failOn: 'error', limitInputPixels: false }).metadata();
    const { width, height } = metadata.autoOrient;
    return { width, height, frames: metadata.pages ?? 1 };
  } catch {
    return null;
  }
}
