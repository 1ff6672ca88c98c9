import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { BackgroundJobs, UnrecoverableJobError } from '../background/background-jobs.js';
import { AppError } from '../common/app-error.js';
import { KeyedLock } from '../common/keyed-lock.js';
import { ImageStore } from './image-store.js';
import { ThumbnailBackfillRepository } from './thumbnail-backfill.repository.js';
import { ThumbnailsService } from './thumbnails.service.js';

/** One job per image lacking its thumbnail (its id is `thumbnail-<image id>`, so never queued twice). */
export const thumbnailQueue = 'gallery.thumbnail';
/** Walks the images a page at a time, queueing a thumbnail job for each one whose file is missing. */
export const thumbnailSweepQueue = 'gallery.thumbnail-sweep';

export interface ThumbnailJob {
  imageId: number;
}
export interface ThumbnailSweepJob {
  afterId: number;
}

/** Images checked per sweep job: a page's stats, then the next page is a job of its own. */
const sweepPage = 500;

/**
 * Makes missing thumbnails away from the requests. Ingest renders a thumbnail inline (it is part of
 * checking the upload), and a request for a missing one still renders it at once; what is left for the
 * background is many at a time: a new or emptied thumbnail folder (found at boot: the folder is empty
 * while there are images) or a sweep asked for by `sweep()`. Idempotent: an image with its thumbnail, or
 * gone, is skipped.
 */
@Injectable()
export class ThumbnailBackfill implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(ThumbnailBackfill.name);

  constructor(
    private readonly jobs: BackgroundJobs,
    private readonly images: ThumbnailBackfillRepository,
    private readonly thumbnails: ThumbnailsService,
    private readonly store: ImageStore,
    private readonly locks: KeyedLock,
  ) {}

  onModuleInit(): void {
    this.jobs.define<ThumbnailJob>(thumbnailQueue, (data) => this.make(data.imageId), {
      attempts: 3,
      backoff: { type: 'exponential', delayMs: 5_000 },
      concurrency: 2,
    });
    this.jobs.define<ThumbnailSweepJob>(thumbnailSweepQueue, (data) => this.sweepPage(data.afterId));
  }

  /** A thumbnail folder with no file at all while there are images: it is new (or was emptied). */
  async onApplicationBootstrap(): Promise<void> {
    try {
      if (!(await this.images.hasImages()) || (await this.hasAnyThumbnail())) return;
      this.logger.warn('The thumbnail folder is empty: making the thumbnails in the background');
      await this.sweep();
    } catch (error) {
      this.logger.error({ err: error }, 'Could not check the thumbnail folder');
    }
  }

  /** Queues a sweep of every image (a sweep already under way from the start is not queued twice). */
  async sweep(): Promise<void> {
    await this.jobs.add<ThumbnailSweepJob>(
      thumbnailSweepQueue,
      { afterId: 0 },
      { jobId: 'thumbnail-sweep-0' },
    );
  }

  /** Queues the thumbnail of one image. */
  async queue(imageId: number): Promise<void> {
    await this.jobs.add<ThumbnailJob>(thumbnailQueue, { imageId }, { jobId: `thumbnail-${imageId}` });
  }

  /**
   * Ingest's thumbnail. The bytes were decoded under inspection already, so a failure here is the
   * encoder's (memory, a sharp fault), not the upload's: null, and the caller keeps the image and
   * queues its thumbnail (`queueQuietly`) instead of leaving it to the first request.
   */
  async renderForIngest(data: Buffer): Promise<Buffer | null> {
    try {
      return await this.thumbnails.render(data);
    } catch (error) {
      this.logger.warn({ err: error }, 'Could not render the thumbnail; a background job will make it');
      return null;
    }
  }

  /** `queue`, for a caller whose own work is done: a queue that cannot be reached is logged, not thrown. */
  async queueQuietly(imageId: number): Promise<void> {
    try {
      await this.queue(imageId);
    } catch (error) {
      this.logger.error({ err: error, imageId }, 'Could not queue the missing thumbnail');
    }
  }

  private async sweepPage(afterId: number): Promise<void> {
    const page = await this.images.pageAfter(afterId, sweepPage);
    for (const image of page) {
      if (!(await this.thumbnails.hasThumbnail(image))) await this.queue(image.id);
    }
    const last = page.at(-1);
    if (page.length === sweepPage && last) {
      await this.jobs.add<ThumbnailSweepJob>(
        thumbnailSweepQueue,
        { afterId: last.id },
        { jobId: `thumbnail-sweep-${last.id}` },
      );
    }
  }

  private async make(imageId: number): Promise<void> {
    const image = await this.images.find(imageId);
    if (!image || (await this.thumbnails.hasThumbnail(image))) return;
    // Under the image's lock, as the request path: a purge running now cannot be followed by a stray file.
    await this.locks.run(image.sha256, async () => {
      const current = await this.images.find(imageId);
      if (!current || (await this.thumbnails.hasThumbnail(current))) return;
      try {
        await this.thumbnails.regenerate(current);
      } catch (error) {
        // No original to make it from: trying again will not help; the failed list shows it.
        if (error instanceof AppError && error.code === 'gallery.not_found') {
          throw new UnrecoverableJobError(error.message);
        }
        throw error;
      }
    });
  }

  private async hasAnyThumbnail(): Promise<boolean> {
    for await (const path of this.store.list('thumbnails')) {
      // Sweeps keep their contact sheets in this area (sweep-sheets/): they are no thumbnails.
      if (path && !path.startsWith('sweep-sheets/')) return true;
    }
    return false;
  }
}
