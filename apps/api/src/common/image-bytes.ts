import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';

export type AcceptedImageMime = 'image/png' | 'image/jpeg' | 'image/webp';
export type AcceptedImageExt = 'png' | 'jpg' | 'webp';

const acceptedTypes: Readonly<Record<string, { mime: AcceptedImageMime; ext: AcceptedImageExt }>> = {
  'image/png': { mime: 'image/png', ext: 'png' },
  // An animated PNG is still a PNG (its first frame is what a thumbnail shows).
  'image/apng': { mime: 'image/png', ext: 'png' },
  'image/jpeg': { mime: 'image/jpeg', ext: 'jpg' },
  'image/webp': { mime: 'image/webp', ext: 'webp' },
};

/**
 * The image type judged from the bytes alone (never a file name or a client's type): png, jpeg or
 * webp, else `{ unsupported }` naming what was found.
 */
export async function sniffImageType(
  data: Buffer,
): Promise<{ mime: AcceptedImageMime; ext: AcceptedImageExt } | { unsupported: string }> {
  const sniffed = await fileTypeFromBuffer(data);
  const type = sniffed ? acceptedTypes[sniffed.mime] : undefined;
  return type ?? { unsupported: sniffed ? sniffed.mime : 'not a recognised image' };
}

/**
 * Size as displayed (after EXIF orientation) and frame count, from the header only, so a pixel limit
 * can be checked before anything decodes the pixels. Null when the header cannot be read.
 */
export async function readImageHeader(
  data: Buffer,
): Promise<{ width: number; height: number; frames: number } | null> {
  try {
    const metadata = await sharp(data, { failOn: 'error', limitInputPixels: false }).metadata();
    const { width, height } = metadata.autoOrient;
    return { width, height, frames: metadata.pages ?? 1 };
  } catch {
    return null;
  }
}
