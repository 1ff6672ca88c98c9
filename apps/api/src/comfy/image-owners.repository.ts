import type { ComfyImageRef } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { preparedStatement } from '../database/prepared.js';

const ownsSql = `SELECT 1 FROM "comfy_image_owners"
  WHERE "type" = ? AND "subfolder" = ? AND "filename" = ? AND "owner_id" = ? LIMIT 1`;

/**
 * Who owns which ComfyUI image (table comfy_image_owners, migration 1764300000000): the outputs of a user's jobs
 * and the inputs they uploaded. One row per (file, owner): ComfyUI may hand the same cached output to two jobs,
 * and two users uploading the same bytes get the same content-addressed name.
 */
@Injectable()
export class ImageOwnersRepository {
  private readonly ownsStatement;

  constructor(@InjectDataSource() private readonly db: DataSource) {
    this.ownsStatement = preparedStatement<{ 1: 1 }>(db, ownsSql);
  }

  /**
   * One probe of the primary key: the whole cost /view pays for ownership. A prepared statement
   * (database/prepared.ts); TypeORM's `query` prepared it anew on every view and cost several times the lookup.
   */
  owns(ownerId: number, ref: ComfyImageRef): boolean {
    return this.ownsStatement().get(ref.type, ref.subfolder, ref.filename, ownerId) !== undefined;
  }

  async record(ownerId: number, refs: readonly ComfyImageRef[]): Promise<void> {
    for (const ref of refs) {
      await this.db.query(
        `INSERT OR IGNORE INTO "comfy_image_owners" ("type", "subfolder", "filename", "owner_id") VALUES (?, ?, ?, ?)`,
        [ref.type, ref.subfolder, ref.filename, ownerId],
      );
    }
  }

  /** The images of a job belong to the job's owner. */
  async recordForJob(promptId: string, refs: readonly ComfyImageRef[]): Promise<void> {
    for (const ref of refs) {
      await this.db.query(
        `INSERT OR IGNORE INTO "comfy_image_owners" ("type", "subfolder", "filename", "owner_id")
         SELECT ?, ?, ?, "owner_id" FROM "comfy_jobs" WHERE "prompt_id" = ?`,
        [ref.type, ref.subfolder, ref.filename, promptId],
      );
    }
  }
}
