import { Injectable } from '@nestjs/common';
import sharp from 'sharp';
import { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/app-error.js';
import { ByteBudgetLru } from '../common/byte-budget-lru.js';
import { GalleryStorage } from './gallery-storage.js';
import { isCode } from './image-files.js';
import { ImageStore, imageKey, thumbnailKey } from './image-store.js';
import type { ImageEntity } from './image.entity.js';

export const thumbnailMaxSide = 512;

/** Thumbnails kept in memory, least recently used out first: a gallery page shows the same few dozen. */
const keptBytesMax = 32 * 1024 * 1024;

/** WebP thumbnails: EXIF-rotated, at most 512 px a side, never enlarged. */
@Injectable()
export class ThumbnailsService {
  private readonly maxPixels: number;
  /** Absolute path (GalleryStorage.thumbnailPath, what forget() is given) → bytes. */
  private readonly kept = new ByteBudgetLru<string, Buffer>(keptBytesMax, (bytes) => bytes.length);

  constructor(
    config: AppConfig,
    private readonly storage: GalleryStorage,
    private readonly store: ImageStore,
  ) {
    this.maxPixels = config.gallery.maxInputPixels;
  }

  /**
   * Decodes the image under the pixel limit and encodes the thumbnail. Ingest has inspected the bytes
   * already; `failOn: 'error'` still refuses an original that was damaged on disk since.
   */
  async render(data: Uint8Array): Promise<Buffer> {
    try {
      return await sharp(data, { failOn: 'error', limitInputPixels: this.maxPixels })
        .autoOrient()
        .resize(thumbnailMaxSide, thumbnailMaxSide, { fit: 'inside', withoutEnlargement: true })
        .webp({ quality: 80 })
        .toBuffer();
    } catch {
      throw new AppError('gallery.invalid_image', 'The image is truncated or corrupt', {
        file: ['could not be decoded'],
      });
    }
  }

  /**
   * A thumbnail's bytes (`relativePath` in the thumbnail area), from memory when it was read before (the
   * files are content-addressed and written atomically, so they never change; the caller still checks the
   * file exists on each request).
   */
  async bytesOf(relativePath: string): Promise<Buffer> {
    const cached = this.storage.thumbnailPath(relativePath);
    const hit = this.kept.get(cached);
    if (hit) return hit;
    const bytes = await this.store.read(thumbnailKey(relativePath));
    // One large thumbnail must not flush the others.
    if (bytes.length <= keptBytesMax / 64) this.kept.set(cached, bytes);
    return bytes;
  }

  /** Drops a thumbnail from memory (its image was removed, or it is being made again). */
  forget(path: string): void {
    this.kept.delete(path);
  }

  hasThumbnail(image: Pick<ImageEntity, 'thumbnailPath'>): Promise<boolean> {
    return this.store.exists(thumbnailKey(image.thumbnailPath));
  }

  /** Makes a stored image's thumbnail again from its original (e.g. after it was deleted on disk). */
  async regenerate(image: Pick<ImageEntity, 'id' | 'relativePath' | 'thumbnailPath'>): Promise<void> {
    let original: Buffer;
    try {
      original = await this.store.read(imageKey(image.relativePath));
    } catch (error) {
      if (isCode(error, 'ENOENT')) {
        throw new AppError('gallery.not_found', `The file of image ${image.id} is missing`);
      }
      throw error;
    }
    this.forget(this.storage.thumbnailPath(image.thumbnailPath));
    await this.storage.writeThumbnail(image.thumbnailPath, await this.render(original));
  }
}
