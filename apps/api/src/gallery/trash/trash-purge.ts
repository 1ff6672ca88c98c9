import {
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
  type OnModuleInit,
} from '@nestjs/common';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { BackgroundJobs } from '../../background/background-jobs.js';
import { KeyedLock } from '../../common/keyed-lock.js';
import { RuntimeConfig } from '../../config/runtime-config.service.js';
import { Sql } from '../../database/sql.js';
import { EventBus } from '../../events/event-bus.js';
import { GalleryStorage } from '../gallery-storage.js';
import { ThumbnailsService } from '../thumbnails.service.js';
import { LineageRepository } from '../lineage/lineage.repository.js';

interface ExpiredRow {
  id: number;
  sha256: string;
  mime: string;
  relative_path: string;
  thumbnail_path: string;
  prompt_id: string | null;
  created_by: number;
  trashed_at: string;
  trashed_by: number | null;
  trashed_by_username: string | null;
}

// Walks ix_gallery_images_trashed, oldest first. `trashed_at` is ISO text on both engines.
const expiredSql = `SELECT "image"."id", "image"."sha256", "image"."mime", "image"."relative_path", "image"."thumbnail_path",
    "image"."prompt_id", "image"."created_by", "image"."trashed_at", "image"."trashed_by",
    "user"."username" AS "trashed_by_username"
  FROM "gallery_images" "image" LEFT JOIN "users" "user" ON "user"."id" = "image"."trashed_by"
  WHERE "image"."trashed_at" IS NOT NULL AND "image"."trashed_at" < ?
  ORDER BY "image"."trashed_at", "image"."id" LIMIT ?`;
// Checked again at the moment of deletion: the image may have been restored since it was listed.
const deleteExpiredSql = `DELETE FROM "gallery_images" WHERE "id" = ? AND "trashed_at" IS NOT NULL AND "trashed_at" < ?`;

const dayMs = 86_400_000;
const intervalMs = 3_600_000;
/** Its background queue: a repeatable job, once per hour for the whole cluster in scale-out mode. */
export const trashPurgeQueue = 'gallery.trash-purge';
/** Images per pass: between passes the event loop serves requests, so a huge trash never blocks it. */
const batchSize = 500;

/**
 * Removes for good what has been in the trash longer than `gallery_trash_retention_days`: soon after
 * start, then every hour (a repeatable background job; a failed pass shows in the admin's failed list
 * and the next hour's pass tries again). Per image, under its lock (an ingest of the same bytes waits): the row first (its
 * full-text row goes by trigger, its links by cascade, its children's parent_id by hand), then the original, sidecar and thumbnail — a
 * crash in between leaves unreferenced files, never a row without its files.
 */
@Injectable()
export class TrashPurge implements OnModuleInit, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(TrashPurge.name);
  /** Passes run one after another: a purge asked for while one runs starts when it ends. */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly sql: Sql,
    private readonly runtime: RuntimeConfig,
    private readonly storage: GalleryStorage,
    private readonly thumbnails: ThumbnailsService,
    private readonly locks: KeyedLock,
    private readonly bus: EventBus,
    private readonly lineage: LineageRepository,
    private readonly jobs: BackgroundJobs,
  ) {}

  onModuleInit(): void {
    this.jobs.define(trashPurgeQueue, async () => {
      await this.purgeNow();
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.every(trashPurgeQueue, intervalMs);
  }

  async onModuleDestroy(): Promise<void> {
    // The pass in progress finishes before the database closes.
    await this.tail.catch(() => undefined);
  }

  /** Purges everything past the retention now; resolves with how many images were removed. */
  purgeNow(): Promise<number> {
    const pass = this.tail.then(() => this.purge());
    this.tail = pass.catch(() => undefined);
    return pass;
  }

  private async purge(): Promise<number> {
    const retentionDays = this.runtime.get().gallery_trash_retention_days;
    const cutoff = new Date(Date.now() - retentionDays * dayMs).toISOString();
    let purged = 0;
    for (;;) {
      const rows = await this.sql.all<ExpiredRow>(expiredSql, [cutoff, batchSize]);
      let removedNow = 0;
      for (const row of rows) if (await this.remove(row, cutoff)) removedNow += 1;
      purged += removedNow;
      // A short batch was the last one; a batch where nothing could go would only repeat itself.
      if (rows.length < batchSize || removedNow === 0) break;
      await nextTurn();
    }
    if (purged > 0)
      this.logger.log(`Purged ${purged} image(s) trashed more than ${retentionDays} day(s) ago`);
    return purged;
  }

  private async remove(row: ExpiredRow, cutoff: string): Promise<boolean> {
    const removed = await this.locks.run(row.sha256, async () => {
      // The row and its children's links to it go together.
      const deleted = await this.sql.transaction(async (tx) => {
        if ((await tx.run(deleteExpiredSql, [row.id, cutoff])).changes === 0) return false;
        await this.lineage.detachChildren(row.id, tx);
        return true;
      });
      if (!deleted) return false;
      const files = { relativePath: row.relative_path, thumbnailPath: row.thumbnail_path };
      await this.storage.remove(this.storage.filesOf(files));
      this.thumbnails.forget(this.storage.thumbnailPath(row.thumbnail_path));
      return true;
    });
    if (!removed) return false;
    await this.bus.publish('gallery.image_deleted', {
      actor:
        row.trashed_by !== null && row.trashed_by_username !== null
          ? { id: row.trashed_by, username: row.trashed_by_username }
          : null,
      image: {
        id: row.id,
        sha256: row.sha256,
        mime: row.mime,
        promptId: row.prompt_id,
        createdBy: row.created_by,
      },
      trashedAt: row.trashed_at,
    });
    return true;
  }
}
