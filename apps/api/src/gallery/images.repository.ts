import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository, type SelectQueryBuilder } from 'typeorm';
import { ImageEntity } from './image.entity.js';

/** A row with the name of the user who kept it. */
export interface ImageRecord {
  image: ImageEntity;
  createdByName: string;
}

/** The last item of a page: the next page starts strictly after it (newest first). */
export interface KeysetPosition {
  createdAt: string;
  id: number;
}

export type NewImage = Omit<ImageEntity, 'id'>;

@Injectable()
export class ImagesRepository {
  constructor(@InjectRepository(ImageEntity) private readonly rows: Repository<ImageEntity>) {}

  async findById(id: number): Promise<ImageRecord | null> {
    const [record] = await this.withOwner(
      this.rows.createQueryBuilder('image').where('image.id = :id', { id }),
    );
    return record ?? null;
  }

  async findBySha256(sha256: string): Promise<ImageRecord | null> {
    const [record] = await this.withOwner(
      this.rows.createQueryBuilder('image').where('image.sha256 = :sha256', { sha256 }),
    );
    return record ?? null;
  }

  /** Newest first by (created_at, id), which the index ix_gallery_images_created serves. */
  page(after: KeysetPosition | null, limit: number): Promise<ImageRecord[]> {
    const query = this.rows
      .createQueryBuilder('image')
      .orderBy('image.created_at', 'DESC')
      .addOrderBy('image.id', 'DESC')
      .limit(limit);
    if (after) {
      query.where('(image.created_at < :createdAt OR (image.created_at = :createdAt AND image.id < :id))', {
        createdAt: after.createdAt,
        id: after.id,
      });
    }
    return this.withOwner(query);
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

function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE';
}
