import type { ComfyImageRef } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { preparedStatement } from '../database/prepared.js';

const ownsSql = `SELECT 1 FROM "comfy_image_owners"
  WHERE "type" = ? AND "subfolder" = ? AND "filename" = ? AND "backend_id" = ? AND "owner_id" = ? LIMIT 1`;

/**
 * Who owns which ComfyUI image (table comfy_image_owners, migrations 1764300000000 and 1764700000100): the outputs
 * of a user's jobs and the inputs they uploaded. One row per (file, backend, owner): ComfyUI may hand the same
 * cached output to two jobs, two users uploading the same bytes get the same content-addressed name, and two
 * servers name their outputs from their own counters (`prefix_00001_.png` on each). Callers pass the backend:
 * a job's for its outputs; for inputs, whose names are content-addressed and copied to whichever backend runs
 * the job, always the default's.
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
  owns(ownerId: number, ref: ComfyImageRef, backendId: number): boolean {
    return this.ownsStatement().get(ref.type, ref.subfolder, ref.filename, backendId, ownerId) !== undefined;
  }

  async record(ownerId: number, refs: readonly ComfyImageRef[], backendId: number): Promise<void> {
    for (const ref of refs) {
      await this.db.query(
        `INSERT OR IGNORE INTO "comfy_image_owners" ("type", "subfolder", "filename", "backend_id", "owner_id")
         VALUES (?, ?, ?, ?, ?)`,
        [ref.type, ref.subfolder, ref.filename, backendId, ownerId],
      );
    }
  }

  /** The images of a job belong to the job's owner; a ref without a backend is the default's (`defaultId`). */
  async recordForJob(promptId: string, refs: readonly ComfyImageRef[], defaultId = 1): Promise<void> {
    for (const ref of refs) {
      await this.db.query(
        `INSERT OR IGNORE INTO "comfy_image_owners" ("type", "subfolder", "filename", "backend_id", "owner_id")
         SELECT ?, ?, ?, ?, "owner_id" FROM "comfy_jobs" WHERE "prompt_id" = ?`,
        [ref.type, ref.subfolder, ref.filename, ref.backend ?? defaultId, promptId],
      );
    }
  }
}
