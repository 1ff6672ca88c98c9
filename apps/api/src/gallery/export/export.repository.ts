import type { GalleryMime } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { jsonIntList } from '../../database/json-list.js';
import { Sql } from '../../database/sql.js';

/** What an export needs of an image: where its file is, and its manifest line. */
export interface ExportRow {
  id: number;
  sha256: string;
  mime: GalleryMime;
  ext: string;
  width: number;
  height: number;
  relativePath: string;
  createdAt: string;
  owner: string | null;
  checkpoint: string | null;
  seed: number | null;
  positive: string | null;
}

interface Row {
  id: number;
  sha256: string;
  mime: GalleryMime;
  ext: string;
  width: number;
  height: number;
  relative_path: string;
  created_at: string;
  owner: string | null;
  checkpoint: string | null;
  p_seed: number | null;
  p_positive: string | null;
}

@Injectable()
export class ExportRepository {
  private readonly rowsByIds: string;

  constructor(private readonly sql: Sql) {
    // One statement for the whole selection: the ids travel as one JSON array.
    this.rowsByIds = `SELECT "image"."id", "image"."sha256", "image"."mime", "image"."ext", "image"."width", "image"."height",
              "image"."relative_path", "image"."created_at", "owner"."username" AS "owner",
              "checkpoint"."value" AS "checkpoint", "image"."p_seed", "image"."p_positive"
       FROM "gallery_images" "image"
       LEFT JOIN "users" "owner" ON "owner"."id" = "image"."created_by"
       LEFT JOIN "gallery_terms" "checkpoint" ON "checkpoint"."id" = "image"."checkpoint_id"
       WHERE "image"."id" IN (SELECT "value" FROM (${jsonIntList(sql.dialect)}) "ids") AND "image"."trashed_at" IS NULL`;
  }

  /**
   * The rows of these images, in the order of `ids`. Ids without a row are left out, and so are
   * trashed images: like the file route, an export never hands out what is in the trash.
   */
  async exportRows(ids: readonly number[]): Promise<ExportRow[]> {
    const rows = await this.sql.all<Row>(this.rowsByIds, [JSON.stringify(ids)]);
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.flatMap((id) => {
      const row = byId.get(id);
      return row
        ? [
            {
              id: row.id,
              sha256: row.sha256,
              mime: row.mime,
              ext: row.ext,
              width: row.width,
              height: row.height,
              relativePath: row.relative_path,
              createdAt: row.created_at,
              owner: row.owner,
              checkpoint: row.checkpoint,
              seed: row.p_seed,
              positive: row.p_positive,
            },
          ]
        : [];
    });
  }
}
