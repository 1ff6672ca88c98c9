import { galleryLineageMaxChildren } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { preparedStatement } from '../../database/prepared.js';

/**
 * The lineage columns of gallery_images (parent_id, parent_sha256; migration Lineage1764800000000).
 * Not mapped on ImageEntity, like the search columns: only this file reads or writes them.
 */
@Injectable()
export class LineageRepository {
  private readonly setParentStatement;
  private readonly adoptStatement;
  private readonly parentStatement;
  private readonly childrenStatement;
  private readonly detachStatement;

  constructor(dataSource: DataSource) {
    this.setParentStatement = preparedStatement<never>(
      dataSource,
      `UPDATE "gallery_images" SET "parent_sha256" = ?,
         "parent_id" = (SELECT "p"."id" FROM "gallery_images" "p" WHERE "p"."sha256" = ? AND "p"."id" <> ?)
       WHERE "id" = ?`,
    );
    this.adoptStatement = preparedStatement<never>(
      dataSource,
      `UPDATE "gallery_images" SET "parent_id" = ? WHERE "parent_sha256" = ? AND "parent_id" IS NULL AND "id" <> ?`,
    );
    this.parentStatement = preparedStatement<{ parent_id: number | null }>(
      dataSource,
      `SELECT "parent_id" FROM "gallery_images" WHERE "id" = ?`,
    );
    this.childrenStatement = preparedStatement<{ id: number }>(
      dataSource,
      `SELECT "id" FROM "gallery_images" WHERE "parent_id" = ? ORDER BY "id" DESC LIMIT ?`,
    );
    this.detachStatement = preparedStatement<never>(
      dataSource,
      `UPDATE "gallery_images" SET "parent_id" = NULL WHERE "parent_id" = ?`,
    );
  }

  /**
   * A new image's parent: its bytes' hash, and the image with those bytes if the gallery has it. Then
   * the images that named this one's bytes before it was kept become its children.
   */
  link(id: number, sha256: string, parentSha256: string | null): void {
    if (parentSha256 !== null && parentSha256 !== sha256) {
      this.setParentStatement().run(parentSha256, parentSha256, id, id);
    }
    this.adoptStatement().run(id, sha256, id);
  }

  parentIdOf(id: number): number | null {
    return this.parentStatement().get(id)?.parent_id ?? null;
  }

  /** The newest children first; what the caller may see of them is the service's to decide. */
  childIdsOf(id: number, limit = galleryLineageMaxChildren): number[] {
    return this.childrenStatement()
      .all(id, limit)
      .map((row) => row.id);
  }

  /** An image purged for good: its children keep its hash (kept again, it adopts them) but lose the row. */
  detachChildren(id: number): void {
    this.detachStatement().run(id);
  }
}
