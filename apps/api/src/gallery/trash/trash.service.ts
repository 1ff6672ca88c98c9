import type { AuthUser } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error.js';
import { forUpdate } from '../../database/dialect.js';
import { jsonIntList } from '../../database/json-list.js';
import { Sql, type SqlExecutor } from '../../database/sql.js';
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

/** Ids read and changed per statement: a bulk batch of 5,000 is ten of them. */
const chunkSize = 500;

/**
 * Moves images to the trash and back. A trashed image keeps its row and files (and its SHA-256, so
 * it still counts as a duplicate) until the purge (TrashPurge) removes it after the retention
 * period; searches, details and files ignore it meanwhile. Each call is one transaction: the check
 * of who may act and the change cannot be split by another request.
 */
@Injectable()
export class TrashService {
  private readonly texts;

  constructor(
    private readonly sql: Sql,
    private readonly images: ImagesRepository,
    private readonly bus: EventBus,
  ) {
    const ids = `SELECT "value" FROM (${jsonIntList(sql.dialect)}) "ids"`;
    this.texts = {
      // Locked on Postgres until the transaction commits: a concurrent trash or restore waits, then reads
      // this one's result (read committed would let both read the old state and both announce a change).
      state: `SELECT "id", "created_by", "trashed_at" FROM "gallery_images" WHERE "id" IN (${ids})
        ORDER BY "id"${forUpdate(sql.dialect)}`,
      trash: `UPDATE "gallery_images" SET "trashed_at" = ?, "trashed_by" = ? WHERE "id" IN (${ids})`,
      restore: `UPDATE "gallery_images" SET "trashed_at" = NULL, "trashed_by" = NULL WHERE "id" IN (${ids})`,
    };
  }

  /** Images already in the trash are neither affected nor skipped. */
  async trash(ids: readonly number[], user: AuthUser): Promise<TrashResult> {
    return (await this.trashing(ids, user)).result;
  }

  /** Images not in the trash are neither affected nor skipped. */
  async restore(ids: readonly number[], user: AuthUser): Promise<TrashResult> {
    return (await this.restoring(ids, user)).result;
  }

  /** DELETE /api/gallery/images/:id: 404 when the user cannot see it (trashed included), 403 when not theirs. */
  async trashOne(id: number, user: AuthUser): Promise<void> {
    const image = await this.images.findFile(id);
    const viewer = viewerOf(user);
    if (!image || !canView(viewer, image)) throw notFound(id);
    if (!mayManage(viewer, image.createdBy)) {
      throw new AppError('auth.forbidden', 'Only its owner or a curator can delete this image');
    }
    // Awaited, so the audit entry is written before the answer.
    await (
      await this.trashing([id], user)
    ).announced;
  }

  /**
   * POST /api/gallery/images/:id/restore: 404 for an image the user could neither see nor restore
   * (another's trash is invisible to a plain user); an image not in the trash is left as it is.
   */
  async restoreOne(id: number, user: AuthUser): Promise<void> {
    const image = await this.images.findFile(id);
    const viewer = viewerOf(user);
    if (!image) throw notFound(id);
    if (image.trashed ? !mayManage(viewer, image.createdBy) : !canView(viewer, image)) throw notFound(id);
    await (
      await this.restoring([id], user)
    ).announced;
  }

  private async trashing(ids: readonly number[], user: AuthUser): Promise<Outcome> {
    const now = new Date().toISOString();
    const changes = await this.apply(ids, user, 'trash', (tx, list) =>
      tx.run(this.texts.trash, [now, user.id, list]),
    );
    return this.announce('gallery.images_trashed', changes, user);
  }

  private async restoring(ids: readonly number[], user: AuthUser): Promise<Outcome> {
    const changes = await this.apply(ids, user, 'restore', (tx, list) => tx.run(this.texts.restore, [list]));
    return this.announce('gallery.images_restored', changes, user);
  }

  /** `change` gets the ids to change as one JSON array parameter. */
  private async apply(
    ids: readonly number[],
    user: AuthUser,
    action: 'trash' | 'restore',
    change: (tx: SqlExecutor, list: string) => Promise<unknown>,
  ): Promise<{ changed: number[]; skipped: number }> {
    const viewer = viewerOf(user);
    const wanted = [...new Set(ids)];
    const changed: number[] = [];
    let skipped = 0;
    await this.sql.transaction(async (tx) => {
      for (let start = 0; start < wanted.length; start += chunkSize) {
        const chunk = wanted.slice(start, start + chunkSize);
        const rows = await tx.all<StateRow>(this.texts.state, [JSON.stringify(chunk)]);
        const toChange: number[] = [];
        for (const row of rows) {
          if (!mayManage(viewer, row.created_by)) continue;
          const isTrashed = row.trashed_at !== null;
          if (action === 'trash' ? !isTrashed : isTrashed) toChange.push(row.id);
        }
        skipped += chunk.length - rows.filter((row) => mayManage(viewer, row.created_by)).length;
        if (toChange.length > 0) await change(tx, JSON.stringify(toChange));
        changed.push(...toChange);
      }
    });
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

function notFound(id: number): AppError {
  return new AppError('gallery.not_found', `There is no image ${id}`);
}
