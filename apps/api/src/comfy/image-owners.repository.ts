import type { ComfyImageRef } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type BetterSqlite3 from 'better-sqlite3';
import type { DataSource } from 'typeorm';

const ownsSql = `SELECT 1 FROM "comfy_image_owners"
  WHERE "type" = ? AND "subfolder" = ? AND "filename" = ? AND "owner_id" = ? LIMIT 1`;

/**
 * Who owns which ComfyUI image (table comfy_image_owners, migration 1764300000000): the outputs of a user's jobs
 * and the inputs they uploaded. One row per (file, owner): ComfyUI may hand the same cached output to two jobs,
 * and two users uploading the same bytes get the same content-addressed name.
 */
@Injectable()
export class ImageOwnersRepository {
  private probe: { handle: BetterSqlite3.Database; statement: BetterSqlite3.Statement } | null = null;

  constructor(@InjectDataSource() private readonly db: DataSource) {}

  /**
   * One probe of the primary key: the whole cost /view pays for ownership. A statement prepared once on
   * TypeORM's own better-sqlite3 handle (so it reads what TypeORM wrote), again if that handle changes;
   * TypeORM's `query` prepared it anew on every view and cost several times the lookup.
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

  private ownsStatement(): BetterSqlite3.Statement {
    const handle = (this.db.driver as unknown as { databaseConnection: BetterSqlite3.Database })
      .databaseConnection;
    let probe = this.probe;
    if (probe?.handle !== handle) {
      probe = { handle, statement: handle.prepare(ownsSql) };
      this.probe = probe;
    }
    return probe.statement;
  }
}
