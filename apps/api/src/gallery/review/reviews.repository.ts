import type { AuthUser, ImageStatus, ReviewDecision, ReviewEntry, Role } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import type BetterSqlite3 from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { sqliteHandle } from '../../database/prepared.js';
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
 * connection's own better-sqlite3 handle: a decision over thousands of ids is one synchronous
 * transaction, and id lists travel as one JSON parameter (`json_each`), so one prepared statement
 * serves any number of ids.
 */
@Injectable()
export class ReviewsRepository {
  private handle: BetterSqlite3.Database | null = null;
  private readonly statements = new Map<string, BetterSqlite3.Statement>();

  constructor(private readonly dataSource: DataSource) {}

  /** Runs `work` as one transaction; nothing else on the event loop can interleave. */
  transaction<T>(work: () => T): T {
    return this.db().transaction(work)();
  }

  /** The images among `ids` that exist and are not in the trash. */
  images(ids: readonly number[]): ReviewedImage[] {
    const rows = this.statement(
      `SELECT "id", "created_by", "status" FROM "gallery_images"
       WHERE "id" IN (SELECT "value" FROM json_each(?)) AND "trashed_at" IS NULL`,
    ).all(JSON.stringify(ids)) as { id: number; created_by: number; status: ImageStatus }[];
    return rows.map((row) => ({ id: row.id, createdBy: row.created_by, status: row.status }));
  }

  /** Sets the status; `note` undefined leaves review_note as it is. */
  setStatus(ids: readonly number[], status: ImageStatus, note?: string | null): void {
    if (ids.length === 0) return;
    const list = JSON.stringify(ids);
    if (note === undefined) {
      this.statement(
        `UPDATE "gallery_images" SET "status" = ? WHERE "id" IN (SELECT "value" FROM json_each(?))`,
      ).run(status, list);
    } else {
      this.statement(
        `UPDATE "gallery_images" SET "status" = ?, "review_note" = ? WHERE "id" IN (SELECT "value" FROM json_each(?))`,
      ).run(status, note, list);
    }
  }

  /** One trail row per image, in the order given. */
  append(
    ids: readonly number[],
    decision: ReviewDecision,
    note: string | null,
    by: EventActor,
    at: string,
  ): void {
    if (ids.length === 0) return;
    this.statement(
      `INSERT INTO "gallery_reviews" ("image_id", "decision", "note", "by_id", "by_username", "at")
       SELECT "value", ?, ?, ?, ?, ? FROM json_each(?) ORDER BY "key"`,
    ).run(decision, note, by.id, by.username, at, JSON.stringify(ids));
  }

  /** An image's trail, oldest first, and its current review note. */
  reviewOf(imageId: number): { review: ReviewEntry[]; review_note: string | null } {
    const rows = this.statement(
      `SELECT "decision", "note", "by_id", "by_username", "at" FROM "gallery_reviews"
       WHERE "image_id" = ? ORDER BY "id"`,
    ).all(imageId) as TrailRow[];
    const note = this.statement(`SELECT "review_note" FROM "gallery_images" WHERE "id" = ?`, true).get(
      imageId,
    ) as string | null | undefined;
    return {
      review: rows.map((row) => ({
        decision: row.decision,
        note: row.note,
        by: { id: row.by_id, username: row.by_username },
        at: row.at,
      })),
      review_note: note ?? null,
    };
  }

  /**
   * Pending images by their latest submission, oldest first, after the submission `afterReviewId`.
   * Walks the pending images (the status index) rather than the whole trail, which only grows.
   */
  pendingPage(afterReviewId: number, limit: number): PendingRow[] {
    return this.statement(
      `SELECT "i"."id" AS "id", "r"."id" AS "review_id", "r"."at" AS "submitted_at", "i"."review_note" AS "review_note"
       FROM "gallery_images" "i"
       JOIN "gallery_reviews" "r" ON "r"."id" = (
         SELECT max("s"."id") FROM "gallery_reviews" "s" WHERE "s"."image_id" = "i"."id" AND "s"."decision" = 'submitted')
       WHERE "i"."status" = 'pending' AND "i"."trashed_at" IS NULL AND "r"."id" > ?
       ORDER BY "r"."id" LIMIT ?`,
    ).all(afterReviewId, limit) as PendingRow[];
  }

  pendingCount(): number {
    return this.statement(
      `SELECT count(*) FROM "gallery_images" WHERE "status" = 'pending' AND "trashed_at" IS NULL`,
      true,
    ).get() as number;
  }

  /** A user as a request would carry them (auto-capture keeps images in the job owner's name). */
  user(id: number): AuthUser | null {
    const row = this.statement(`SELECT "id", "username", "role" FROM "users" WHERE "id" = ?`).get(id) as
      { id: number; username: string; role: Role } | undefined;
    return row ? { id: row.id, username: row.username, role: row.role } : null;
  }

  /** Prepared once per SQL text; again after the handle changes (a data source closed and opened). */
  private statement(sql: string, pluck = false): BetterSqlite3.Statement {
    const db = this.db();
    if (db !== this.handle) {
      this.statements.clear();
      this.handle = db;
    }
    const key = `${pluck ? 'p' : 'r'}\u0000${sql}`;
    let statement = this.statements.get(key);
    if (!statement) {
      statement = db.prepare(sql);
      if (pluck) statement.pluck();
      this.statements.set(key, statement);
    }
    return statement;
  }

  private db(): BetterSqlite3.Database {
    return sqliteHandle(this.dataSource);
  }
}
