import type { ComfyImageRef } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { Sql } from '../database/sql.js';

const ownsSql = `SELECT 1 AS "one" FROM "comfy_image_owners"
  WHERE "type" = ? AND "subfolder" = ? AND "filename" = ? AND "backend_id" = ? AND "owner_id" = ? LIMIT 1`;

const recordSql = `INSERT INTO "comfy_image_owners" ("type", "subfolder", "filename", "backend_id", "owner_id")
  VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`;

const recordForJobSql = `INSERT INTO "comfy_image_owners" ("type", "subfolder", "filename", "backend_id", "owner_id")
  SELECT ?, ?, ?, ?, "owner_id" FROM "comfy_jobs" WHERE "prompt_id" = ? ON CONFLICT DO NOTHING`;

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
  constructor(private readonly sql: Sql) {}

  /**
   * One probe of the primary key: the whole cost /view pays for ownership. Constant text, so the SQLite
   * adapter keeps it prepared; TypeORM's `query` prepared it anew on every view and cost several times the lookup.
   */
  async owns(ownerId: number, ref: ComfyImageRef, backendId: number): Promise<boolean> {
    const row = await this.sql.get(ownsSql, [ref.type, ref.subfolder, ref.filename, backendId, ownerId]);
    return row !== undefined;
  }

  async record(ownerId: number, refs: readonly ComfyImageRef[], backendId: number): Promise<void> {
    for (const ref of refs) {
      await this.sql.run(recordSql, [ref.type, ref.subfolder, ref.filename, backendId, ownerId]);
    }
  }

  /** The images of a job belong to the job's owner; a ref without a backend is the default's (`defaultId`). */
  async recordForJob(promptId: string, refs: readonly ComfyImageRef[], defaultId = 1): Promise<void> {
    for (const ref of refs) {
      await this.sql.run(recordForJobSql, [
        ref.type,
        ref.subfolder,
        ref.filename,
        ref.backend ?? defaultId,
        promptId,
      ]);
    }
  }
}
