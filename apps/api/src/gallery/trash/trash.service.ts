import type { AuthUser } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import type BetterSqlite3 from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { AppError } from '../../common/app-error.js';
import { sqliteHandle } from '../../database/prepared.js';
import { EventBus } from '../../events/event-bus.js';
import { ImagesRepository } from '../images.repository.js';
import { canView, mayManage } from '../search/search-predicates.js';
import { viewerOf } from '../search/search-resolver.js';

/** What a trash or restore did: images changed, and images named that the user may not act on. */
export interface TrashResult {
  affected: number;
  /** Another's image for a plain user, or an id that names no image. */
  skipped: number;
  /** The images moved (what an undo moves back). */
  changedIds: number[];
}

/** The bus's handlers (the audit log) have run once `announced` settles; it never rejects. */
interface Outcome {
  result: TrashResult;
  announced: Promise<void>;
}

interface StateRow {
  id: number;
  created_by: number;
  trashed_at: string | null;
}

/** SQLite takes up to 32,766 parameters; smaller chunks keep each statement cheap to prepare. */
const chunkSize = 500;

/**
 * Moves images to the trash and back. A trashed image keeps its row and files (and its SHA-256, so
 * it still counts as a duplicate) until the purge (TrashPurge) removes it after the retention
 * period; searches, details and files ignore it meanwhile. Each call is one synchronous SQLite
 * transaction: the check of who may act and the change cannot be split by another request.
 */
@Injectable()
export class TrashService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly images: ImagesRepository,
    private readonly bus: EventBus,
  ) {}

  /** Images already in the trash are neither affected nor skipped. */
  trash(ids: readonly number[], user: AuthUser): TrashResult {
    return this.trashing(ids, user).result;
  }

  /** Images not in the trash are neither affected nor skipped. */
  restore(ids: readonly number[], user: AuthUser): TrashResult {
    return this.restoring(ids, user).result;
  }

  /** DELETE /api/gallery/images/:id: 404 when the user cannot see it (trashed included), 403 when not theirs. */
  async trashOne(id: number, user: AuthUser): Promise<void> {
    const image = this.images.findFile(id);
    const viewer = viewerOf(user);
    if (!image || !canView(viewer, image)) throw notFound(id);
    if (!mayManage(viewer, image.createdBy)) {
      throw new AppError('auth.forbidden', 'Only its owner or a curator can delete this image');
    }
    // Awaited, so the audit entry is written before the answer.
    await this.trashing([id], user).announced;
  }

  /**
   * POST /api/gallery/images/:id/restore: 404 for an image the user could neither see nor restore
   * (another's trash is invisible to a plain user); an image not in the trash is left as it is.
   */
  async restoreOne(id: number, user: AuthUser): Promise<void> {
    const image = this.images.findFile(id);
    const viewer = viewerOf(user);
    if (!image) throw notFound(id);
    if (image.trashed ? !mayManage(viewer, image.createdBy) : !canView(viewer, image)) throw notFound(id);
    await this.restoring([id], user).announced;
  }

  private trashing(ids: readonly number[], user: AuthUser): Outcome {
    const now = new Date().toISOString();
    const changes = this.apply(ids, user, 'trash', (db, chunk) =>
      db
        .prepare(
          `UPDATE "gallery_images" SET "trashed_at" = ?, "trashed_by" = ? WHERE "id" IN (${marks(chunk)})`,
        )
        .run(now, user.id, ...chunk),
    );
    return this.announce('gallery.images_trashed', changes, user);
  }

  private restoring(ids: readonly number[], user: AuthUser): Outcome {
    const changes = this.apply(ids, user, 'restore', (db, chunk) =>
      db
        .prepare(
          `UPDATE "gallery_images" SET "trashed_at" = NULL, "trashed_by" = NULL WHERE "id" IN (${marks(chunk)})`,
        )
        .run(...chunk),
    );
    return this.announce('gallery.images_restored', changes, user);
  }

  private apply(
    ids: readonly number[],
    user: AuthUser,
    action: 'trash' | 'restore',
    change: (db: BetterSqlite3.Database, chunk: number[]) => unknown,
  ): { changed: number[]; skipped: number } {
    const viewer = viewerOf(user);
    const wanted = [...new Set(ids)];
    const db = sqliteHandle(this.dataSource);
    const changed: number[] = [];
    let skipped = 0;
    db.transaction(() => {
      for (let start = 0; start < wanted.length; start += chunkSize) {
        const chunk = wanted.slice(start, start + chunkSize);
        const rows = db
          .prepare<number[], StateRow>(
            `SELECT "id", "created_by", "trashed_at" FROM "gallery_images" WHERE "id" IN (${marks(chunk)})`,
          )
          .all(...chunk);
        const toChange: number[] = [];
        for (const row of rows) {
          if (!mayManage(viewer, row.created_by)) continue;
          const isTrashed = row.trashed_at !== null;
          if (action === 'trash' ? !isTrashed : isTrashed) toChange.push(row.id);
        }
        skipped += chunk.length - rows.filter((row) => mayManage(viewer, row.created_by)).length;
        if (toChange.length > 0) change(db, toChange);
        changed.push(...toChange);
      }
    })();
    return { changed, skipped };
  }

  private announce(
    event: 'gallery.images_trashed' | 'gallery.images_restored',
    { changed, skipped }: { changed: number[]; skipped: number },
    user: AuthUser,
  ): Outcome {
    const announced =
      changed.length > 0
        ? this.bus.publish(event, { actor: { id: user.id, username: user.username }, ids: changed })
        : Promise.resolve();
    return { result: { affected: changed.length, skipped, changedIds: changed }, announced };
  }
}

function marks(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}

function notFound(id: number): AppError {
  return new AppError('gallery.not_found', `There is no image ${id}`);
}
