import { Injectable } from '@nestjs/common';
import { Sql } from '../database/sql.js';

/** What making an image's thumbnail needs of its row. */
export interface ThumbnailSource {
  id: number;
  sha256: string;
  relativePath: string;
  thumbnailPath: string;
}

interface Row {
  id: number | string;
  sha256: string;
  relative_path: string;
  thumbnail_path: string;
}

const columns = `"id", "sha256", "relative_path", "thumbnail_path"`;

/** The reads of the thumbnail backfill: one image, or a page of images in id order (trashed ones too). */
@Injectable()
export class ThumbnailBackfillRepository {
  constructor(private readonly db: Sql) {}

  async find(id: number): Promise<ThumbnailSource | null> {
    const row = await this.db.get<Row>(`SELECT ${columns} FROM "gallery_images" WHERE "id" = ?`, [id]);
    return row ? toSource(row) : null;
  }

  /** Up to `limit` images with an id above `afterId`, by id (the index of the primary key). */
  async pageAfter(afterId: number, limit: number): Promise<ThumbnailSource[]> {
    const rows = await this.db.all<Row>(
      `SELECT ${columns} FROM "gallery_images" WHERE "id" > ? ORDER BY "id" LIMIT ?`,
      [afterId, limit],
    );
    return rows.map(toSource);
  }

  async hasImages(): Promise<boolean> {
    return (await this.db.get(`SELECT 1 AS "one" FROM "gallery_images" LIMIT 1`)) !== undefined;
  }
}

function toSource(row: Row): ThumbnailSource {
  return {
    id: Number(row.id),
    sha256: row.sha256,
    relativePath: row.relative_path,
    thumbnailPath: row.thumbnail_path,
  };
}
