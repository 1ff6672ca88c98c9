import {
  exportBuildTtlMs,
  type AuthUser,
  type ExportBuildCreated,
  type ExportBuildView,
  type GallerySelection,
} from '@atelier/contract';
import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleInit } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { BackgroundJobs, UnrecoverableJobError, type JobContext } from '../../background/background-jobs.js';
import { AppError } from '../../common/app-error.js';
import { exportKey, ImageStore, type StoreKey } from '../image-store.js';
import type { ExportOptions } from './export-plan.js';
import { ExportBuildsRepository, type ExportBuild } from './export-builds.repository.js';
import { ExportService, type PreparedExport } from './export.service.js';

/** One job per export (`export-<id>`): writes its ZIP to the store's `exports` area. */
export const exportBuildQueue = 'gallery.export';
/** Removes the builds whose time is up, files and rows. */
export const exportExpiryQueue = 'gallery.export-expiry';

export interface ExportBuildJob {
  exportId: string;
}

/** Tries in all: a file on a shared mount may be back a few seconds later; a third failure is for good. */
export const exportBuildAttempts = 3;
const expirySweepMs = 60 * 60 * 1000;
/** The row's written bytes are updated this often while a build runs (what the pollers see move). */
const progressEveryMs = 500;
const expiredPage = 100;

/**
 * ZIP exports built in the background (issue 16): the selection is resolved and planned when asked for
 * (visibility checked then, the size known up front), a `gallery.export` job on any replica writes the
 * same bytes GET /api/gallery/export.zip would stream (same planner and writer, dated by the build's
 * creation time), and every replica answers for it from its row. Idempotent: a ready build is not redone,
 * an attempt starts its file over (temp file, renamed when whole).
 */
@Injectable()
export class ExportBuilds implements OnModuleInit, OnApplicationBootstrap {
  private readonly logger = new Logger(ExportBuilds.name);

  constructor(
    private readonly jobs: BackgroundJobs,
    private readonly rows: ExportBuildsRepository,
    private readonly exports: ExportService,
    private readonly store: ImageStore,
  ) {}

  onModuleInit(): void {
    this.jobs.define<ExportBuildJob>(exportBuildQueue, (data, job) => this.build(data.exportId, job), {
      attempts: exportBuildAttempts,
      backoff: { type: 'exponential', delayMs: 1_000 },
    });
    this.jobs.define(exportExpiryQueue, () => this.removeExpired());
  }

  /** Embedded jobs die with the process: unfinished builds get their job again (in Redis: a no-op each). */
  async onApplicationBootstrap(): Promise<void> {
    try {
      for (const id of await this.rows.unfinished()) {
        await this.jobs.add<ExportBuildJob>(exportBuildQueue, { exportId: id }, { jobId: `export-${id}` });
      }
    } catch (error) {
      this.logger.error({ err: error }, 'Could not queue the unfinished export builds');
    }
    await this.jobs.every(exportExpiryQueue, expirySweepMs);
  }

  async create(
    selection: GallerySelection,
    options: ExportOptions,
    user: AuthUser,
  ): Promise<ExportBuildCreated> {
    const createdAt = new Date();
    const zip = await this.exports.prepare(selection, options, user, createdAt);
    // Only the plan is wanted here: the archive is written by the job. (client-zip's cancel rejects with
    // the reason given, none here: nothing to report.)
    await zip.stream.cancel().catch(() => undefined);
    await zip.close();
    const id = randomUUID();
    await this.rows.insert({
      id,
      ownerId: user.id,
      imageIds: zip.imageIds,
      options,
      images: zip.count,
      bytes: zip.length,
      filename: zip.filename,
      createdAt,
      expiresAt: new Date(createdAt.getTime() + exportBuildTtlMs),
    });
    await this.jobs.add<ExportBuildJob>(exportBuildQueue, { exportId: id }, { jobId: `export-${id}` });
    return { id, status: 'queued', images: zip.count, bytes: zip.length };
  }

  /** The build as its owner (or an admin) sees it; anyone else, or a build past its time, gets a 404. */
  async view(id: string, user: AuthUser): Promise<ExportBuildView> {
    return toView(await this.visible(id, user));
  }

  /** The finished file to send; 409 while it is not ready. */
  async file(id: string, user: AuthUser): Promise<{ build: ExportBuild; key: StoreKey; size: number }> {
    const build = await this.visible(id, user);
    if (build.status !== 'ready') {
      throw new AppError('conflict', `The export is ${build.status}, not ready`, { status: build.status });
    }
    const key = fileKey(build.id);
    const info = await this.store.stat(key);
    if (info === null) throw notFound();
    return { build, key, size: info.size };
  }

  /** Cancels (or forgets) a build: its row and its file go; a job running now drops what it writes. */
  async remove(id: string, user: AuthUser): Promise<void> {
    const build = await this.visible(id, user);
    await this.rows.remove(build.id);
    await this.store.remove([fileKey(build.id)]);
  }

  private async visible(id: string, user: AuthUser): Promise<ExportBuild> {
    const build = id.length <= 36 ? await this.rows.find(id) : null;
    if (!build || (build.ownerId !== user.id && user.role !== 'admin') || build.expiresAt <= new Date()) {
      throw notFound();
    }
    return build;
  }

  private async build(id: string, job: JobContext): Promise<void> {
    const build = await this.rows.find(id);
    if (!build || build.status === 'ready') return;
    await this.rows.start(id);
    try {
      const bytes = await this.write(build);
      if (!(await this.rows.find(id))) {
        // Cancelled while it was written: the file has no row to answer for it.
        await this.store.remove([fileKey(id)]);
        return;
      }
      await this.rows.ready(id, bytes);
    } catch (error) {
      // Cancelled meanwhile: nobody waits for it, and its failure is no one's to list.
      if (!(await this.rows.find(id))) return;
      const final = error instanceof UnrecoverableJobError || job.attempt >= exportBuildAttempts;
      await this.rows.failed(id, reasonOf(error), !final);
      this.logger.warn({ err: error, exportId: id, attempt: job.attempt }, 'An export build failed');
      throw error;
    }
  }

  private async write(build: ExportBuild): Promise<number> {
    let zip: PreparedExport;
    try {
      zip = await this.exports.prepareIds(build.imageIds, build.options, build.createdAt);
    } catch (error) {
      // Every image gone (deleted since): no retry brings them back.
      if (error instanceof AppError) throw new UnrecoverableJobError(error.message);
      throw error;
    }
    try {
      const kept = new Set(zip.imageIds);
      const missing = build.imageIds.filter((imageId) => !kept.has(imageId));
      if (missing.length > 0) {
        // The planner leaves an unreadable file out; a build promised them, so it fails (and retries).
        throw new Error(
          `${missing.length} of the ${build.imageIds.length} images can no longer be read ` +
            `(image ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''})`,
        );
      }
      return await this.store.writeStream(fileKey(build.id), this.chunks(build.id, zip));
    } finally {
      await zip.close();
    }
  }

  /** The archive's chunks; each given back to the pool once written, the row's progress kept up. */
  private async *chunks(id: string, zip: PreparedExport): AsyncGenerator<Uint8Array> {
    let written = 0;
    let reported = Date.now();
    const reader = zip.stream.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
        zip.written(value);
        written += value.length;
        if (Date.now() - reported >= progressEveryMs) {
          reported = Date.now();
          await this.rows.progress(id, written);
        }
      }
    } finally {
      reader.releaseLock();
    }
  }

  private async removeExpired(): Promise<void> {
    for (;;) {
      const ids = await this.rows.expired(new Date(), expiredPage);
      for (const id of ids) {
        await this.store.remove([fileKey(id)]);
        await this.rows.remove(id);
      }
      if (ids.length < expiredPage) return;
    }
  }
}

const fileKey = (id: string): StoreKey => exportKey(`${id}.zip`);

function notFound(): AppError {
  return new AppError('not_found', 'No such export');
}

function reasonOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 500);
}

function toView(build: ExportBuild): ExportBuildView {
  const progress =
    build.status === 'ready' ? 1 : build.bytes > 0 ? Math.min(1, build.written / build.bytes) : 0;
  return {
    id: build.id,
    status: build.status,
    progress,
    bytes: build.bytes,
    images: build.images,
    filename: build.filename,
    ...(build.error !== null && build.status !== 'ready' ? { error: build.error } : {}),
    createdAt: build.createdAt.toISOString(),
    expiresAt: build.expiresAt.toISOString(),
  };
}
