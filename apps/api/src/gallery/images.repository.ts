import type { ImageStatus } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository, type SelectQueryBuilder } from 'typeorm';
import { preparedStatement } from '../database/prepared.js';
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

const fromWithOwner = `FROM "gallery_images" "image" LEFT JOIN "users" "owner" ON "owner"."id" = "image"."created_by"`;

@Injectable()
export class ImagesRepository {
  // Every thumbnail, file and page view runs one of these: prepared statements, not TypeORM's query builder.
  private readonly byId;
  private readonly fileById;

  constructor(@InjectRepository(ImageEntity) private readonly rows: Repository<ImageEntity>) {
    this.byId = preparedStatement<FullRow>(
      rows,
      `SELECT "image".*, "owner"."username" AS "owner_username" ${fromWithOwner} WHERE "image"."id" = ?`,
    );
    this.fileById = preparedStatement<FileRow>(
      rows,
      `SELECT "id", "sha256", "mime", "ext", "relative_path", "thumbnail_path", "created_by", "status", "trashed_at"
       FROM "gallery_images" WHERE "id" = ?`,
    );
  }

  /** What serving an image's files needs, without its provenance text. */
  findFile(id: number): ImageFileInfo | null {
    const row = this.fileById().get(id);
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
    const row = this.byId().get(id);
    return row ? { image: toEntity(row), createdByName: row.owner_username ?? '' } : null;
  }

  async findBySha256(sha256: string): Promise<ImageRecord | null> {
    const [record] = await this.withOwner(
      this.rows.createQueryBuilder('image').where('image.sha256 = :sha256', { sha256 }),
    );
    return record ?? null;
  }

  /** Inserts the row, or returns null when an image with the same SHA-256 exists already. */
  async insert(image: NewImage): Promise<ImageEntity | null> {
    try {
      return await this.rows.save(this.rows.create(image));
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  async delete(id: number): Promise<boolean> {
    const result = await this.rows.delete({ id });
    return (result.affected ?? 0) > 0;
  }

  private async withOwner(query: SelectQueryBuilder<ImageEntity>): Promise<ImageRecord[]> {
    const { entities, raw } = await query
      .leftJoin('users', 'owner', 'owner.id = image.created_by')
      .addSelect('owner.username', 'owner_username')
      .getRawAndEntities<{ owner_username: string | null }>();
    return entities.map((image, index) => ({ image, createdByName: raw[index]?.owner_username ?? '' }));
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

function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE';
}
