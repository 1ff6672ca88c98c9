import type { BoardVisibility, GalleryFilters } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import type BetterSqlite3 from 'better-sqlite3';
import { DataSource } from 'typeorm';
import { sqliteHandle } from '../../database/prepared.js';

export interface BoardRow {
  id: number;
  name: string;
  owner_id: number;
  owner_username: string | null;
  visibility: BoardVisibility;
  query_json: string | null;
  cover_image_id: number | null;
  created_at: string;
  updated_at: string;
}

export interface BoardFields {
  name: string;
  visibility: BoardVisibility;
  query: GalleryFilters | null;
  coverImageId: number | null;
}

const boardColumns = `"b"."id", "b"."name", "b"."owner_id", "u"."username" AS "owner_username", "b"."visibility",
  "b"."query_json", "b"."cover_image_id", "b"."created_at", "b"."updated_at"`;
const fromBoards = `FROM "boards" "b" LEFT JOIN "users" "u" ON "u"."id" = "b"."owner_id"`;

/** Boards and their images, on the SQLite handle (membership changes are one synchronous transaction). */
@Injectable()
export class BoardsRepository {
  constructor(private readonly dataSource: DataSource) {}

  find(id: number): BoardRow | null {
    return (
      (this.db().prepare(`SELECT ${boardColumns} ${fromBoards} WHERE "b"."id" = ?`).get(id) as BoardRow) ??
      null
    );
  }

  /** The boards a user sees: their own and the team's, by name. */
  visibleTo(userId: number): BoardRow[] {
    return this.db()
      .prepare(
        `SELECT ${boardColumns} ${fromBoards} WHERE "b"."owner_id" = ? OR "b"."visibility" = 'team'
         ORDER BY lower("b"."name"), "b"."id"`,
      )
      .all(userId) as BoardRow[];
  }

  create(ownerId: number, fields: BoardFields): number {
    const now = new Date().toISOString();
    const result = this.db()
      .prepare(
        `INSERT INTO "boards" ("name", "owner_id", "visibility", "query_json", "cover_image_id", "created_at", "updated_at")
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(fields.name, ownerId, fields.visibility, queryJson(fields.query), fields.coverImageId, now, now);
    return Number(result.lastInsertRowid);
  }

  update(id: number, fields: BoardFields, clearImages: boolean): void {
    const db = this.db();
    db.transaction(() => {
      db.prepare(
        `UPDATE "boards" SET "name" = ?, "visibility" = ?, "query_json" = ?, "cover_image_id" = ?, "updated_at" = ?
         WHERE "id" = ?`,
      ).run(
        fields.name,
        fields.visibility,
        queryJson(fields.query),
        fields.coverImageId,
        new Date().toISOString(),
        id,
      );
      // A manual board that becomes smart shows its query from then on: its hand-picked list goes.
      if (clearImages) db.prepare(`DELETE FROM "board_images" WHERE "board_id" = ?`).run(id);
    })();
  }

  delete(id: number): boolean {
    return this.db().prepare(`DELETE FROM "boards" WHERE "id" = ?`).run(id).changes > 0;
  }

  /** Adds the images not on the board yet; the ids added. */
  add(boardId: number, imageIds: readonly number[], by: number): number[] {
    const db = this.db();
    const insert = db.prepare(
      `INSERT OR IGNORE INTO "board_images" ("board_id", "image_id", "added_at", "added_by") VALUES (?, ?, ?, ?)`,
    );
    const now = new Date().toISOString();
    return db.transaction(() => imageIds.filter((id) => insert.run(boardId, id, now, by).changes > 0))();
  }

  /** Removes the images that are on the board; the ids removed. */
  remove(boardId: number, imageIds: readonly number[]): number[] {
    const db = this.db();
    const remove = db.prepare(`DELETE FROM "board_images" WHERE "board_id" = ? AND "image_id" = ?`);
    return db.transaction(() => imageIds.filter((id) => remove.run(boardId, id).changes > 0))();
  }

  touch(id: number): void {
    this.db()
      .prepare(`UPDATE "boards" SET "updated_at" = ? WHERE "id" = ?`)
      .run(new Date().toISOString(), id);
  }

  private db(): BetterSqlite3.Database {
    return sqliteHandle(this.dataSource);
  }
}

function queryJson(query: GalleryFilters | null): string | null {
  return query === null ? null : JSON.stringify(query);
}

/** A stored smart-board query; written by us, so a damaged one reads as "matches nothing in particular". */
export function parseBoardQuery(json: string | null): GalleryFilters | null {
  if (json === null) return null;
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
  } catch {
    return {};
  }
}
