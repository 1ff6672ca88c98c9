import { galleryLineageMaxChildren } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { Sql, type SqlExecutor } from '../../database/sql.js';

const setParentSql = `UPDATE "gallery_images" SET "parent_sha256" = ?,
    "parent_id" = (SELECT "p"."id" FROM "gallery_images" "p" WHERE "p"."sha256" = ? AND "p"."id" <> ?)
  WHERE "id" = ?`;
const adoptSql = `UPDATE "gallery_images" SET "parent_id" = ? WHERE "parent_sha256" = ? AND "parent_id" IS NULL AND "id" <> ?`;
const parentSql = `SELECT "parent_id" FROM "gallery_images" WHERE "id" = ?`;
const childrenSql = `SELECT "id" FROM "gallery_images" WHERE "parent_id" = ? ORDER BY "id" DESC LIMIT ?`;
const detachSql = `UPDATE "gallery_images" SET "parent_id" = NULL WHERE "parent_id" = ?`;

/**
 * The lineage columns of gallery_images (parent_id, parent_sha256; migration Lineage1764800000000).
 * Not mapped on ImageEntity, like the search columns: only this file reads or writes them.
 */
@Injectable()
export class LineageRepository {
  constructor(private readonly sql: Sql) {}

  /**
   * A new image's parent: its bytes' hash, and the image with those bytes if the gallery has it. Then
   * the images that named this one's bytes before it was kept become its children. Through `tx` when
   * the caller writes the image in the same transaction.
   */
  async link(
    id: number,
    sha256: string,
    parentSha256: string | null,
    tx: SqlExecutor = this.sql,
  ): Promise<void> {
    if (parentSha256 !== null && parentSha256 !== sha256) {
      await tx.run(setParentSql, [parentSha256, parentSha256, id, id]);
    }
    await tx.run(adoptSql, [id, sha256, id]);
  }

  async parentIdOf(id: number): Promise<number | null> {
    return (await this.sql.get<{ parent_id: number | null }>(parentSql, [id]))?.parent_id ?? null;
  }

  /** The newest children first; what the caller may see of them is the service's to decide. */
  async childIdsOf(id: number, limit = galleryLineageMaxChildren): Promise<number[]> {
    const rows = await this.sql.all<{ id: number }>(childrenSql, [id, limit]);
    return rows.map((row) => row.id);
  }

  /** An image purged for good: its children keep its hash (kept again, it adopts them) but lose the row. */
  async detachChildren(id: number, tx: SqlExecutor = this.sql): Promise<void> {
    await tx.run(detachSql, [id]);
  }
}
