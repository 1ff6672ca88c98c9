import type { ImageStatus } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { Sql, type SqlExecutor } from '../database/sql.js';
import { ImageEntity } from './image.entity.js';

/** A row with the name of the user who kept it. */
export interface ImageRecord {
  image: ImageEntity;
  createdByName: string;
}

export type NewImage = Omit<ImageEntity, 'id'>;

/** What a gallery page shows of an image: no provenance, no paths. */
export type ImageSummary = Pick<
  ImageEntity,
  'id' | 'sha256' | 'mime' | 'bytes' | 'width' | 'height' | 'promptId' | 'createdBy' | 'createdAt'
>;

export interface ImageSummaryRecord {
  image: ImageSummary;
  createdByName: string;
}

interface SummaryRow {
  id: number;
  sha256: string;
  mime: ImageEntity['mime'];
  bytes: number;
  width: number;
  height: number;
  prompt_id: string | null;
  created_by: number;
  created_at: string;
  owner_username: string | null;
}

/** The columns that locate an image's files, and those that decide who may see it. */
export interface ImageFileInfo extends Pick<
  ImageEntity,
  'id' | 'sha256' | 'mime' | 'ext' | 'relativePath' | 'thumbnailPath' | 'createdBy'
> {
  status: ImageStatus;
  trashed: boolean;
}

interface FileRow {
  id: number;
  sha256: string;
  mime: ImageEntity['mime'];
  ext: string;
  relative_path: string;
  thumbnail_path: string;
  created_by: number;
  status: ImageStatus;
  trashed_at: string | null;
}

interface FullRow extends SummaryRow {
  ext: string;
  relative_path: string;
  thumbnail_path: string;
  params_json: string | null;
  workflow_json: string | null;
  metadata_json: string;
  source_json: string | null;
}

// The entity's columns, named: `*` would also read Postgres's search_tsv on every view.
const imageColumns = `"image"."id", "image"."sha256", "image"."mime", "image"."ext", "image"."bytes", "image"."width",
  "image"."height", "image"."relative_path", "image"."thumbnail_path", "image"."prompt_id", "image"."params_json",
  "image"."workflow_json", "image"."metadata_json", "image"."source_json", "image"."created_by", "image"."created_at"`;
const byIdSql = `SELECT ${imageColumns}, "owner"."username" AS "owner_username"
  FROM "gallery_images" "image" LEFT JOIN "users" "owner" ON "owner"."id" = "image"."created_by"`;
const fileByIdSql = `SELECT "id", "sha256", "mime", "ext", "relative_path", "thumbnail_path", "created_by", "status", "trashed_at"
  FROM "gallery_images" WHERE "id" = ?`;
// ON CONFLICT: a row with the same bytes exists already (another request or process won): no row back.
const insertSql = `INSERT INTO "gallery_images" ("sha256", "mime", "ext", "bytes", "width", "height", "relative_path",
    "thumbnail_path", "prompt_id", "params_json", "workflow_json", "metadata_json", "source_json", "created_by",
    "created_at", "status")
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT ("sha256") DO NOTHING RETURNING "id"`;

/** Every thumbnail, file and page view runs one of these: constant texts on the Sql port (prepared once on SQLite). */
@Injectable()
export class ImagesRepository {
  constructor(private readonly sql: Sql) {}

  /** What serving an image's files needs, without its provenance text. */
  async findFile(id: number): Promise<ImageFileInfo | null> {
    const row = await this.sql.get<FileRow>(fileByIdSql, [id]);
    return row
      ? {
          id: row.id,
          sha256: row.sha256,
          mime: row.mime,
          ext: row.ext,
          relativePath: row.relative_path,
          thumbnailPath: row.thumbnail_path,
          createdBy: row.created_by,
          status: row.status,
          trashed: row.trashed_at !== null,
        }
      : null;
  }

  async findById(id: number): Promise<ImageRecord | null> {
    const row = await this.sql.get<FullRow>(`${byIdSql} WHERE "image"."id" = ?`, [id]);
    return row ? { image: toEntity(row), createdByName: row.owner_username ?? '' } : null;
  }

  async findBySha256(sha256: string): Promise<ImageRecord | null> {
    const row = await this.sql.get<FullRow>(`${byIdSql} WHERE "image"."sha256" = ?`, [sha256]);
    return row ? { image: toEntity(row), createdByName: row.owner_username ?? '' } : null;
  }

  /**
   * Inserts the row with its review status (through `tx` when the caller writes more in the same
   * transaction), or returns null when an image with the same SHA-256 exists already.
   */
  async insert(
    image: NewImage,
    status: ImageStatus = 'approved',
    tx: SqlExecutor = this.sql,
  ): Promise<ImageEntity | null> {
    const row = await tx.get<{ id: number }>(insertSql, [
      image.sha256,
      image.mime,
      image.ext,
      image.bytes,
      image.width,
      image.height,
      image.relativePath,
      image.thumbnailPath,
      image.promptId,
      image.paramsJson,
      image.workflowJson,
      image.metadataJson,
      image.sourceJson,
      image.createdBy,
      image.createdAt,
      status,
    ]);
    return row ? Object.assign(new ImageEntity(), image, { id: row.id }) : null;
  }

  async delete(id: number): Promise<boolean> {
    const result = await this.sql.run(`DELETE FROM "gallery_images" WHERE "id" = ?`, [id]);
    return result.changes > 0;
  }
}

function toSummary(row: SummaryRow): ImageSummary {
  return {
    id: row.id,
    sha256: row.sha256,
    mime: row.mime,
    bytes: row.bytes,
    width: row.width,
    height: row.height,
    promptId: row.prompt_id,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}

function toEntity(row: FullRow): ImageEntity {
  return Object.assign(new ImageEntity(), toSummary(row), {
    ext: row.ext,
    relativePath: row.relative_path,
    thumbnailPath: row.thumbnail_path,
    paramsJson: row.params_json,
    workflowJson: row.workflow_json,
    metadataJson: row.metadata_json,
    sourceJson: row.source_json,
  });
}
