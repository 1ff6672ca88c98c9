import type { AuthUser, ImageStatus, ReviewDecision, ReviewEntry, Role } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { forUpdate } from '../../database/dialect.js';
import { jsonIntList } from '../../database/json-list.js';
import { Sql, type SqlExecutor } from '../../database/sql.js';
import type { EventActor } from '../../events/app-events.js';

/** What a review decision needs to know of an image. */
export interface ReviewedImage {
  id: number;
  createdBy: number;
  status: ImageStatus;
}

/** One row of the pending queue: the image and its latest submission. */
export interface PendingRow {
  id: number;
  /** The submission's review row id: the queue's order and its cursor. */
  review_id: number;
  submitted_at: string;
  review_note: string | null;
}

interface TrailRow {
  decision: ReviewDecision;
  note: string | null;
  by_id: number;
  by_username: string;
  at: string;
}

/**
 * The review columns of gallery_images (status, review_note) and the trail in gallery_reviews, on the
 * Sql port. A decision over thousands of ids is one transaction (the writes take its `tx`), and id
 * lists travel as one JSON parameter (jsonIntList), so one statement text serves any number of ids.
 */
@Injectable()
export class ReviewsRepository {
  private readonly texts;

  constructor(private readonly sql: Sql) {
    const ids = jsonIntList(sql.dialect);
    this.texts = {
      // Locked on Postgres until the decision commits: a concurrent decision waits, then reads this one's status.
      images: `SELECT "id", "created_by", "status" FROM "gallery_images"
        WHERE "id" IN (SELECT "value" FROM (${ids}) "ids") AND "trashed_at" IS NULL
        ORDER BY "id"${forUpdate(sql.dialect)}`,
      setStatus: `UPDATE "gallery_images" SET "status" = ? WHERE "id" IN (SELECT "value" FROM (${ids}) "ids")`,
      setStatusAndNote: `UPDATE "gallery_images" SET "status" = ?, "review_note" = ?
        WHERE "id" IN (SELECT "value" FROM (${ids}) "ids")`,
      // Postgres types a bare parameter in a SELECT list as text: the integer column's is cast.
      append: `INSERT INTO "gallery_reviews" ("image_id", "decision", "note", "by_id", "by_username", "at")
        SELECT "value", ?, ?, CAST(? AS integer), ?, ? FROM (${ids}) "ids" ORDER BY "key"`,
    };
  }

  /** Runs `work` as one transaction: query through its `tx` (and pass it to the writes below). */
  transaction<T>(work: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.sql.transaction(work);
  }

  /** The images among `ids` that exist and are not in the trash, locked for `tx`'s writes on Postgres. */
  async images(ids: readonly number[], tx: SqlExecutor = this.sql): Promise<ReviewedImage[]> {
    const rows = await tx.all<{ id: number; created_by: number; status: ImageStatus }>(this.texts.images, [
      JSON.stringify(ids),
    ]);
    return rows.map((row) => ({ id: row.id, createdBy: row.created_by, status: row.status }));
  }

  /** Sets the status; `note` undefined leaves review_note as it is. */
  async setStatus(
    ids: readonly number[],
    status: ImageStatus,
    note?: string | null,
    tx: SqlExecutor = this.sql,
  ): Promise<void> {
    if (ids.length === 0) return;
    const list = JSON.stringify(ids);
    if (note === undefined) await tx.run(this.texts.setStatus, [status, list]);
    else await tx.run(this.texts.setStatusAndNote, [status, note, list]);
  }

  /** One trail row per image, in the order given. */
  async append(
    ids: readonly number[],
    decision: ReviewDecision,
    note: string | null,
    by: EventActor,
    at: string,
    tx: SqlExecutor = this.sql,
  ): Promise<void> {
    if (ids.length === 0) return;
    await tx.run(this.texts.append, [decision, note, by.id, by.username, at, JSON.stringify(ids)]);
  }

  /** An image's trail, oldest first, and its current review note. */
  async reviewOf(imageId: number): Promise<{ review: ReviewEntry[]; review_note: string | null }> {
    const rows = await this.sql.all<TrailRow>(
      `SELECT "decision", "note", "by_id", "by_username", "at" FROM "gallery_reviews"
       WHERE "image_id" = ? ORDER BY "id"`,
      [imageId],
    );
    const image = await this.sql.get<{ review_note: string | null }>(
      `SELECT "review_note" FROM "gallery_images" WHERE "id" = ?`,
      [imageId],
    );
    return {
      review: rows.map((row) => ({
        decision: row.decision,
        note: row.note,
        by: { id: row.by_id, username: row.by_username },
        at: row.at,
      })),
      review_note: image?.review_note ?? null,
    };
  }

  /**
   * Pending images by their latest submission, oldest first, after the submission `afterReviewId`.
   * Walks the pending images (the status index) rather than the whole trail, which only grows.
   */
  pendingPage(afterReviewId: number, limit: number): Promise<PendingRow[]> {
    return this.sql.all<PendingRow>(
      `SELECT "i"."id" AS "id", "r"."id" AS "review_id", "r"."at" AS "submitted_at", "i"."review_note" AS "review_note"
       FROM "gallery_images" "i"
       JOIN "gallery_reviews" "r" ON "r"."id" = (
         SELECT max("s"."id") FROM "gallery_reviews" "s" WHERE "s"."image_id" = "i"."id" AND "s"."decision" = 'submitted')
       WHERE "i"."status" = 'pending' AND "i"."trashed_at" IS NULL AND "r"."id" > ?
       ORDER BY "r"."id" LIMIT ?`,
      [afterReviewId, limit],
    );
  }

  async pendingCount(): Promise<number> {
    const row = await this.sql.get<{ n: number | string }>(
      `SELECT count(*) AS "n" FROM "gallery_images" WHERE "status" = 'pending' AND "trashed_at" IS NULL`,
    );
    // pg answers count(*) (int8) as a string.
    return Number(row?.n ?? 0);
  }

  /** A user as a request would carry them (auto-capture keeps images in the job owner's name). */
  async user(id: number): Promise<AuthUser | null> {
    const row = await this.sql.get<{ id: number; username: string; role: Role }>(
      `SELECT "id", "username", "role" FROM "users" WHERE "id" = ?`,
      [id],
    );
    return row ? { id: row.id, username: row.username, role: row.role } : null;
  }
}
