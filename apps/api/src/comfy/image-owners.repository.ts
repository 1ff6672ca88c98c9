import type { ComfyImageRef } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';

/**
 * Who owns which ComfyUI image (table comfy_image_owners, migration 1764300000000): the outputs of a user's jobs
 * and the inputs they uploaded. One row per (file, owner): ComfyUI may hand the same cached output to two jobs,
 * and two users uploading the same bytes get the same content-addressed name.
 */
@Injectable()
export class ImageOwnersRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /** One probe of the primary key: the whole cost /view pays for ownership. */
  async owns(ownerId: number, ref: ComfyImageRef): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `SELECT 1 FROM "comfy_image_owners"
       WHERE "type" = ? AND "subfolder" = ? AND "filename" = ? AND "owner_id" = ? LIMIT 1`,
      [ref.type, ref.subfolder, ref.filename, ownerId],
    );
    return rows.length > 0;
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
