import type { BoardVisibility, GalleryFilters } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { forUpdate, type Dialect } from '../../database/dialect.js';
import { jsonIntList } from '../../database/json-list.js';
import { Sql } from '../../database/sql.js';

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

export interface BoardUpdate {
  fields: BoardFields;
  /** A manual board turned smart: its hand-picked images go. */
  clearImages: boolean;
}

const boardColumns = `"b"."id", "b"."name", "b"."owner_id", "u"."username" AS "owner_username", "b"."visibility",
  "b"."query_json", "b"."cover_image_id", "b"."created_at", "b"."updated_at"`;
const fromBoards = `FROM "boards" "b" LEFT JOIN "users" "u" ON "u"."id" = "b"."owner_id"`;

const insertBoardSql = `INSERT INTO "boards" ("name", "owner_id", "visibility", "query_json", "cover_image_id", "created_at", "updated_at")
  VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING "id"`;
const updateBoardSql = `UPDATE "boards" SET "name" = ?, "visibility" = ?, "query_json" = ?, "cover_image_id" = ?, "updated_at" = ?
  WHERE "id" = ?`;
/** The board's images of a JSON id list: one statement a batch (5,000 ids from a bulk action). */
function membershipTexts(dialect: Dialect) {
  const ids = `SELECT "value" FROM (${jsonIntList(dialect)}) "ids"`;
  return {
    // WHERE true: SQLite would read ON CONFLICT as part of the SELECT otherwise. CAST: Postgres types a
    // bare parameter in a SELECT list as text.
    add: `INSERT INTO "board_images" ("board_id", "image_id", "added_at", "added_by")
      SELECT CAST(? AS integer), "value", ?, CAST(? AS integer) FROM (${ids}) "new" WHERE true
      ON CONFLICT DO NOTHING RETURNING "image_id"`,
    remove: `DELETE FROM "board_images" WHERE "board_id" = ? AND "image_id" IN (${ids}) RETURNING "image_id"`,
  };
}

/** Boards and their images, on the Sql port (a membership change is one statement). */
@Injectable()
export class BoardsRepository {
  private readonly membership;

  constructor(private readonly sql: Sql) {
    this.membership = membershipTexts(sql.dialect);
  }

  async find(id: number): Promise<BoardRow | null> {
    return (
      (await this.sql.get<BoardRow>(`SELECT ${boardColumns} ${fromBoards} WHERE "b"."id" = ?`, [id])) ?? null
    );
  }

  /** The boards a user sees: their own and the team's, by name. */
  visibleTo(userId: number): Promise<BoardRow[]> {
    return this.sql.all<BoardRow>(
      `SELECT ${boardColumns} ${fromBoards} WHERE "b"."owner_id" = ? OR "b"."visibility" = 'team'
       ORDER BY lower("b"."name"), "b"."id"`,
      [userId],
    );
  }

  async create(ownerId: number, fields: BoardFields): Promise<number> {
    const now = new Date().toISOString();
    const row = await this.sql.get<{ id: number }>(insertBoardSql, [
      fields.name,
      ownerId,
      fields.visibility,
      queryJson(fields.query),
      fields.coverImageId,
      now,
      now,
    ]);
    if (!row) throw new Error('the boards table returned no id');
    return row.id;
  }

  /**
   * Applies `change` to the board as it is now, in one transaction: the row is read locked on Postgres,
   * so two edits at once apply one after the other instead of the second writing back what the first
   * changed (a PATCH of the name must not undo a PATCH of the query). False when the board is gone.
   */
  async update(id: number, change: (current: BoardRow) => BoardUpdate): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const locked = await tx.get<{ id: number }>(
        `SELECT "id" FROM "boards" WHERE "id" = ?${forUpdate(this.sql.dialect)}`,
        [id],
      );
      if (!locked) return false;
      const current = await tx.get<BoardRow>(`SELECT ${boardColumns} ${fromBoards} WHERE "b"."id" = ?`, [id]);
      if (!current) return false;
      const { fields, clearImages } = change(current);
      await tx.run(updateBoardSql, [
        fields.name,
        fields.visibility,
        queryJson(fields.query),
        fields.coverImageId,
        new Date().toISOString(),
        id,
      ]);
      // A manual board that becomes smart shows its query from then on: its hand-picked list goes.
      if (clearImages) await tx.run(`DELETE FROM "board_images" WHERE "board_id" = ?`, [id]);
      return true;
    });
  }

  async delete(id: number): Promise<boolean> {
    return (await this.sql.run(`DELETE FROM "boards" WHERE "id" = ?`, [id])).changes > 0;
  }

  /** Adds the images not on the board yet; the ids added. */
  add(boardId: number, imageIds: readonly number[], by: number): Promise<number[]> {
    const now = new Date().toISOString();
    return this.changed(imageIds, this.membership.add, [boardId, now, by, JSON.stringify(imageIds)]);
  }

  /** Removes the images that are on the board; the ids removed. */
  remove(boardId: number, imageIds: readonly number[]): Promise<number[]> {
    return this.changed(imageIds, this.membership.remove, [boardId, JSON.stringify(imageIds)]);
  }

  /** The image ids a RETURNING statement answers, in the order of `imageIds` (each once). */
  private async changed(imageIds: readonly number[], text: string, params: unknown[]): Promise<number[]> {
    const rows = await this.sql.all<{ image_id: number }>(text, params);
    const changed = new Set(rows.map((row) => row.image_id));
    return [...new Set(imageIds)].filter((id) => changed.has(id));
  }

  async touch(id: number): Promise<void> {
    await this.sql.run(`UPDATE "boards" SET "updated_at" = ? WHERE "id" = ?`, [new Date().toISOString(), id]);
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
