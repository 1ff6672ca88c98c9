import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { AppConfig } from '../config/app-config.js';
import { isOutOfSpace, resolveInside, sweepTempFiles } from './image-files.js';
import { ImageStore, imageKey, thumbnailKey, type StoredFile, type StoreKey } from './image-store.js';

/** Where one image's files go, relative to the image dir (image, sidecar) and the thumbnail dir. */
export interface ImageLayout {
  image: string;
  sidecar: string;
  thumbnail: string;
}

/** Absolute paths of the files written for one image. */
/** Where a kept image's files went, as keys of the ImageStore. */
export interface WrittenFiles {
  image: StoreKey;
  sidecar: StoreKey;
  thumbnail: StoreKey;
}

export interface ImageFileSet {
  layout: ImageLayout;
  image: Uint8Array;
  sidecar: string;
  /** Null when ingest could not render it: the file is then left to a background thumbnail job. */
  thumbnail: Uint8Array | null;
}

/**
 * The gallery's files on disk: `<image dir>/YYYY-MM-DD/<sha256>.<ext>` with its `<sha256>.json`
 * sidecar, and `<thumbnail dir>/<sha256>.webp` apart from the dated folders. Absolute paths are
 * only ever built from stored relative paths, checked to stay inside their dir.
 */
@Injectable()
export class GalleryStorage implements OnModuleInit {
  private readonly logger = new Logger(GalleryStorage.name);
  readonly imageDir: string;
  readonly thumbnailDir: string;

  constructor(
    config: AppConfig,
    /** Where the files are; paths below are those of its local folders (FileImageStore). */
    readonly store: ImageStore,
  ) {
    this.imageDir = config.comfy.imageDir;
    this.thumbnailDir = config.gallery.thumbnailDir;
  }

  /** A crash between writing a temp file and renaming it leaves the temp file: remove those. */
  async onModuleInit(): Promise<void> {
    const removed = (await sweepTempFiles(this.imageDir)) + (await sweepTempFiles(this.thumbnailDir));
    if (removed > 0) this.logger.warn(`Removed ${removed} unfinished temp file(s) from an earlier run`);
  }

  /** The date folder is the UTC day of the ingest. */
  layout(sha256: string, ext: string, at: Date): ImageLayout {
    const day = at.toISOString().slice(0, 10);
    return {
      image: `${day}/${sha256}.${ext}`,
      sidecar: `${day}/${sha256}.json`,
      thumbnail: `${sha256}.webp`,
    };
  }

  sidecarOf(imagePath: string): string {
    return imagePath.replace(/\.[^./]+$/, '.json');
  }

  /** An original (or sidecar) to read through the store. */
  originalFile(relativePath: string): StoredFile {
    return { store: this.store, key: imageKey(relativePath) };
  }

  thumbnailFile(relativePath: string): StoredFile {
    return { store: this.store, key: thumbnailKey(relativePath) };
  }

  imagePath(relativePath: string): string {
    return resolveInside(this.imageDir, relativePath);
  }

  thumbnailPath(relativePath: string): string {
    return resolveInside(this.thumbnailDir, relativePath);
  }

  /**
   * Writes the three files atomically, one by one; if any fails, those already written are removed.
   * No room on the disk answers 507 `storage_full` (the server keeps serving; nothing is kept).
   */
  async write(files: ImageFileSet): Promise<WrittenFiles> {
    const keys: WrittenFiles = {
      thumbnail: thumbnailKey(files.layout.thumbnail),
      sidecar: imageKey(files.layout.sidecar),
      image: imageKey(files.layout.image),
    };
    const plan: [StoreKey, Uint8Array | string][] = [
      ...(files.thumbnail ? [[keys.thumbnail, files.thumbnail] as [StoreKey, Uint8Array]] : []),
      [keys.sidecar, files.sidecar],
      [keys.image, files.image],
    ];
    const written: StoreKey[] = [];
    try {
      for (const [key, data] of plan) {
        await this.store.write(key, data);
        written.push(key);
      }
    } catch (error) {
      await this.store.remove(written);
      throw this.outOfSpace(error);
    }
    return keys;
  }

  async writeThumbnail(relativePath: string, data: Uint8Array): Promise<void> {
    try {
      await this.store.write(thumbnailKey(relativePath), data);
    } catch (error) {
      throw this.outOfSpace(error);
    }
  }

  /** Missing files are fine (a half-kept image, a second purge). */
  remove(keys: readonly StoreKey[]): Promise<void> {
    return this.store.remove(keys);
  }

  /** Image, sidecar and thumbnail of a stored image, as absolute paths. */
  filesOf(image: { relativePath: string; thumbnailPath: string }): StoreKey[] {
    return [
      imageKey(image.relativePath),
      imageKey(this.sidecarOf(image.relativePath)),
      thumbnailKey(image.thumbnailPath),
    ];
  }

  /** ENOSPC and its kin become the contract error; the cause stays in the server's log only. */
  private outOfSpace(error: unknown): unknown {
    if (!isOutOfSpace(error)) return error;
    this.logger.error({ err: error }, 'No room left to store an image');
    return new AppError('storage_full', 'The server has no room left to store this image; nothing was kept');
  }
}
