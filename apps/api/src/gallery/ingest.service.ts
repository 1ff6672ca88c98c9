import type {
  AuthUser,
  ComfyImageRef,
  ImageParams,
  ImageStatus,
  IngestFromJobResponse,
  IngestResponse,
} from '@atelier/contract';
import { Injectable, Logger } from '@nestjs/common';
import { JobOutputs, type JobRecord } from '../comfy/job-outputs.js';
import { AppConfig } from '../config/app-config.js';
import { AppError } from '../common/app-error.js';
import type { IngestDto, IngestFromJobDto } from './gallery.dto.js';
import { toGalleryImage } from './gallery-views.js';
import { GalleryStorage, type WrittenFiles } from './gallery-storage.js';
import { formatBytes } from '../common/format-bytes.js';
import { inspectImage, type InspectedImage } from '../common/image-inspection.js';
import { ImagesRepository, type ImageRecord } from './images.repository.js';
import { KeyedLock } from '../common/keyed-lock.js';
import { ThumbnailBackfill } from './thumbnail-backfill.js';
import { imageParamsOf } from './search/image-params.js';
import { ImageSearchIndex } from './search/image-search-index.js';
import { TrashService } from './trash/trash.service.js';
import { LineageService } from './lineage/lineage.service.js';
import { EventBus } from '../events/event-bus.js';
import { Sql } from '../database/sql.js';

/** The part of a multer file this service reads. */
export interface UploadedImage {
  buffer: Buffer;
}

interface Provenance {
  prompt_id: string | null;
  workflow: Record<string, unknown> | null;
  metadata: Record<string, unknown>;
  params: Record<string, unknown> | null;
  source: ComfyImageRef | null;
  /** The ledger's job, when known: its template and backend go into the searchable parameters. */
  job: JobRecord | null;
  /** The job's input image (img2img, inpainting): the parent, by content hash. */
  parent_sha256: string | null;
}

/** An image checked and thumbnailed in memory, not yet written anywhere. */
interface PreparedImage extends InspectedImage {
  data: Buffer;
  /** Null when rendering failed after the image passed inspection: a background job makes it. */
  thumbnail: Buffer | null;
}

/**
 * Keeps images: from an upload (POST /api/comfy/ingest) or straight from a ComfyUI job. The
 * SHA-256 of the bytes is the identity: the same bytes again answer the existing record.
 */
@Injectable()
export class IngestService {
  private readonly logger = new Logger(IngestService.name);
  private readonly maxPixels: number;
  private readonly maxBytes: number;

  constructor(
    config: AppConfig,
    private readonly images: ImagesRepository,
    private readonly storage: GalleryStorage,
    private readonly locks: KeyedLock,
    private readonly jobs: JobOutputs,
    private readonly index: ImageSearchIndex,
    private readonly trash: TrashService,
    private readonly lineage: LineageService,
    private readonly bus: EventBus,
    private readonly sql: Sql,
    private readonly backfill: ThumbnailBackfill,
  ) {
    this.maxPixels = config.gallery.maxInputPixels;
    this.maxBytes = config.gallery.ingestMaxBytes;
  }

  async store(user: AuthUser, file: UploadedImage | undefined, fields: IngestDto): Promise<IngestResponse> {
    if (!file) {
      throw new AppError('validation_failed', 'Send the image as the multipart part "file"', {
        file: ['is required'],
      });
    }
    const image = await this.prepare(file.buffer);
    const promptId = fields.prompt_id ?? null;
    const job = promptId ? await this.ledgerEntry(promptId) : null;
    return this.keep(user, image, {
      prompt_id: promptId,
      // The browser may not have the workflow at hand; the ledger knows what ran.
      workflow: fields.workflow ?? job?.workflow ?? null,
      metadata: fields.metadata ?? {},
      params: job?.params ?? null,
      source: null,
      job,
      parent_sha256: await this.lineage.parentSha256Of(promptId),
    });
  }

  /**
   * Fetches and checks every chosen image first, so a bad or unreachable one stores nothing. New rows
   * get `status` (a curator's ingest is approved at once; an owner's keep is private); bytes kept
   * already answer the existing image as it is.
   */
  async fromJob(
    user: AuthUser,
    request: IngestFromJobDto,
    status: ImageStatus = 'approved',
  ): Promise<IngestFromJobResponse> {
    const job = await this.call(() => this.jobs.findJob(request.prompt_id));
    if (!job) throw new AppError('comfy.job_not_found', `There is no job ${request.prompt_id}`);
    const refs = this.choose(job, request.images);

    const parentSha256 = await this.lineage.parentSha256Of(job.prompt_id);
    const prepared: { ref: ComfyImageRef; image: PreparedImage }[] = [];
    for (const ref of refs) {
      const bytes = await this.call(() => this.jobs.fetchImage(ref));
      prepared.push({ ref, image: await this.prepare(bytes) });
    }
    const items: IngestResponse[] = [];
    for (const { ref, image } of prepared) {
      items.push(
        await this.keep(
          user,
          image,
          {
            prompt_id: job.prompt_id,
            workflow: job.workflow,
            metadata: {},
            params: job.params,
            source: { filename: ref.filename, subfolder: ref.subfolder, type: ref.type },
            job,
            parent_sha256: parentSha256,
          },
          status,
        ),
      );
    }
    return { items };
  }

  /** Uploads are cut off at the limit by multer; images fetched from ComfyUI are checked here. */
  private async prepare(data: Buffer): Promise<PreparedImage> {
    if (data.length > this.maxBytes) {
      throw new AppError(
        'payload_too_large',
        `The image is larger than the limit of ${formatBytes(this.maxBytes)}`,
        {
          max_bytes: this.maxBytes,
        },
      );
    }
    const inspected = await inspectImage(data, {
      maxPixels: this.maxPixels,
      part: 'file',
      invalidCode: 'gallery.invalid_image',
    });
    return { ...inspected, data, thumbnail: await this.backfill.renderForIngest(data) };
  }

  private choose(job: JobRecord, wanted: readonly ComfyImageRef[] | undefined): ComfyImageRef[] {
    if (!wanted) {
      if (job.images.length === 0) {
        throw new AppError('conflict', `Job ${job.prompt_id} has no images (it is ${job.status})`);
      }
      return job.images;
    }
    const key = (ref: ComfyImageRef) => `${ref.type}\u0000${ref.subfolder}\u0000${ref.filename}`;
    const known = new Map(job.images.map((ref) => [key(ref), ref]));
    const errors: Record<string, string[]> = {};
    wanted.forEach((ref, index) => {
      if (!known.has(key(ref))) errors[`images.${index}`] = ['is not an image of this job'];
    });
    if (Object.keys(errors).length > 0) {
      throw new AppError('validation_failed', 'Some images do not belong to this job', errors);
    }
    // The job's own refs: they name the backend that ran it (a job's images are all on one; the caller's
    // `backend`, if any, adds nothing).
    return wanted.map((ref) => known.get(key(ref)) ?? ref);
  }

  /** The ledger's parameters are a bonus on an upload: without them the image is still kept. */
  private async ledgerEntry(promptId: string): Promise<JobRecord | null> {
    try {
      return await this.jobs.findJob(promptId);
    } catch (error) {
      this.logger.warn(
        { err: error, promptId },
        'Could not read the job ledger; keeping the image without params',
      );
      return null;
    }
  }

  /** Errors of the job source that are not ours already mean ComfyUI could not be reached. */
  private async call<T>(task: () => Promise<T>): Promise<T> {
    try {
      return await task();
    } catch (error) {
      if (error instanceof AppError) throw error;
      this.logger.warn({ err: error }, 'The job source failed');
      throw new AppError('comfy.unreachable', 'ComfyUI could not be reached for this job');
    }
  }

  /**
   * One ingest per hash at a time (in-process lock); the unique index on sha256 settles races with
   * other processes. Files are written before the row: a crash in between leaves only files that
   * no row names, which the next ingest of the same bytes overwrites.
   */
  private keep(
    user: AuthUser,
    image: PreparedImage,
    provenance: Provenance,
    status: ImageStatus = 'approved',
  ): Promise<IngestResponse> {
    return this.locks.run(image.sha256, async () => {
      const existing = await this.images.findBySha256(image.sha256);
      if (existing) return this.again(existing, user);

      const now = new Date();
      const layout = this.storage.layout(image.sha256, image.ext, now);
      const sidecar = {
        sha256: image.sha256,
        prompt_id: provenance.prompt_id,
        workflow: provenance.workflow,
        metadata: provenance.metadata,
        params: provenance.params,
        file: {
          bytes: image.data.length,
          mime: image.mime,
          ext: image.ext,
          width: image.width,
          height: image.height,
          filename: layout.image.slice(layout.image.lastIndexOf('/') + 1),
          relative_path: layout.image,
        },
        ingested_by: { id: user.id, username: user.username },
        ingested_at: now.toISOString(),
        ...(provenance.source ? { source: provenance.source } : {}),
        ...(provenance.parent_sha256 ? { parent_sha256: provenance.parent_sha256 } : {}),
      };
      const written = await this.storage.write({
        layout,
        image: image.data,
        sidecar: `${JSON.stringify(sidecar, null, 2)}\n`,
        thumbnail: image.thumbnail,
      });

      let row;
      try {
        const params = this.paramsOf(image, provenance);
        // Dictionary ids before the transaction: the dictionary writes outside it.
        const terms = await this.index.termsOf(params);
        // The row with its review status, its lineage and its searchable form in one transaction:
        // no request sees the image half kept.
        row = await this.sql.transaction(async (tx) => {
          const inserted = await this.images.insert(
            {
              sha256: image.sha256,
              mime: image.mime,
              ext: image.ext,
              bytes: image.data.length,
              width: image.width,
              height: image.height,
              relativePath: layout.image,
              thumbnailPath: layout.thumbnail,
              promptId: provenance.prompt_id,
              paramsJson: provenance.params ? JSON.stringify(provenance.params) : null,
              workflowJson: provenance.workflow ? JSON.stringify(provenance.workflow) : null,
              metadataJson: JSON.stringify(provenance.metadata),
              sourceJson: provenance.source ? JSON.stringify(provenance.source) : null,
              createdBy: user.id,
              createdAt: now.toISOString(),
            },
            status,
            tx,
          );
          if (inserted) {
            await this.lineage.link(inserted.id, image.sha256, provenance.parent_sha256, tx);
            const indexed = {
              id: inserted.id,
              createdBy: user.id,
              hasWorkflow: provenance.workflow !== null,
            };
            await this.index.writeParams(tx, indexed, params, terms);
          }
          return inserted;
        });
      } catch (error) {
        await this.storage.remove(Object.values(written));
        throw error;
      }
      if (row) {
        if (!image.thumbnail) await this.backfill.queueQuietly(row.id);
        // A new row only: a duplicate (again(), lostRace()) kept nothing new, so it tells nobody.
        void this.bus.publish('gallery.image_kept', {
          actor: { id: user.id, username: user.username },
          image: { id: row.id, createdBy: user.id, promptId: provenance.prompt_id },
        });
        return { image: toGalleryImage({ image: row, createdByName: user.username }), duplicate: false };
      }
      return this.lostRace(image.sha256, layout.image, written);
    });
  }

  /**
   * Bytes kept already answer the existing image. When it is in the trash, keeping its bytes again
   * restores it if the user may (its owner, a curator, an admin); anyone else gets the image as it
   * is, still in the trash, like any other duplicate of an image they cannot see.
   */
  private async again(existing: ImageRecord, user: AuthUser): Promise<IngestResponse> {
    const restored = (await this.trash.restore([existing.image.id], user)).affected > 0;
    return { image: toGalleryImage(existing), duplicate: true, ...(restored ? { restored } : {}) };
  }

  /** The searchable parameters; a PNG's own chunks only speak for images no job explains. */
  private paramsOf(image: PreparedImage, provenance: Provenance): ImageParams {
    const { job } = provenance;
    return imageParamsOf({
      params: provenance.params,
      workflow: provenance.workflow,
      png: image.mime === 'image/png' && job === null ? image.data : null,
      template_id: job?.template_id ?? null,
      template_version: job?.template_version ?? null,
      backend: job?.backend ?? null,
      backend_version: job?.backend_version ?? null,
    });
  }

  /** Another process stored the same bytes first: answer its record, keep its files, drop ours. */
  private async lostRace(sha256: string, ourImage: string, written: WrittenFiles): Promise<IngestResponse> {
    const winner = await this.images.findBySha256(sha256);
    if (!winner) throw new Error(`Image ${sha256} was reported as a duplicate but cannot be found`);
    // Same bytes on the same day share the same paths: those files are the winner's now.
    if (winner.image.relativePath !== ourImage) await this.storage.remove([written.image, written.sidecar]);
    return { image: toGalleryImage(winner), duplicate: true };
  }
}
