import type { ExportBuildStatus } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { Sql } from '../../database/sql.js';
import type { ExportOptions } from './export-plan.js';

/** One background export as its row keeps it. */
export interface ExportBuild {
  id: string;
  ownerId: number;
  status: ExportBuildStatus;
  imageIds: number[];
  options: ExportOptions;
  images: number;
  bytes: number;
  written: number;
  filename: string;
  error: string | null;
  createdAt: Date;
  expiresAt: Date;
}

export type NewExportBuild = Omit<ExportBuild, 'status' | 'written' | 'error'>;

interface Row {
  id: string;
  owner_id: number | string;
  status: ExportBuildStatus;
  image_ids_json: string;
  sidecars: number | string;
  redact: number | string;
  images: number | string;
  bytes: number | string;
  written: number | string;
  filename: string;
  error: string | null;
  created_at: string;
  expires_at: string;
}

/** The `gallery_exports` rows: what every replica reads to answer for a build made anywhere. */
@Injectable()
export class ExportBuildsRepository {
  constructor(private readonly db: Sql) {}

  async insert(build: NewExportBuild): Promise<void> {
    const now = new Date().toISOString();
    await this.db.run(
      `INSERT INTO "gallery_exports" ("id", "owner_id", "status", "image_ids_json", "sidecars", "redact",
         "images", "bytes", "written", "filename", "error", "created_at", "expires_at", "updated_at")
       VALUES (?, ?, 'queued', ?, ?, ?, ?, ?, 0, ?, NULL, ?, ?, ?)`,
      [
        build.id,
        build.ownerId,
        JSON.stringify(build.imageIds),
        build.options.sidecars ? 1 : 0,
        build.options.redact ? 1 : 0,
        build.images,
        build.bytes,
        build.filename,
        build.createdAt.toISOString(),
        build.expiresAt.toISOString(),
        now,
      ],
    );
  }

  async find(id: string): Promise<ExportBuild | null> {
    const row = await this.db.get<Row>(`SELECT * FROM "gallery_exports" WHERE "id" = ?`, [id]);
    return row ? toBuild(row) : null;
  }

  /** A new attempt starts: nothing written yet (the error of an earlier attempt stays until it ends). */
  async start(id: string): Promise<void> {
    await this.set(id, `"status" = 'running', "written" = 0`, []);
  }

  async progress(id: string, written: number): Promise<void> {
    await this.set(id, `"written" = ?`, [written]);
  }

  async ready(id: string, bytes: number): Promise<void> {
    await this.set(id, `"status" = 'ready', "bytes" = ?, "written" = ?, "error" = NULL`, [bytes, bytes]);
  }

  /** `retrying`: queued again for a later attempt, else failed for good. */
  async failed(id: string, error: string, retrying: boolean): Promise<void> {
    await this.set(id, `"status" = ?, "error" = ?`, [retrying ? 'queued' : 'failed', error]);
  }

  /** Builds whose time is up (at most `limit`, oldest first). */
  async expired(now: Date, limit: number): Promise<string[]> {
    const rows = await this.db.all<{ id: string }>(
      `SELECT "id" FROM "gallery_exports" WHERE "expires_at" <= ? ORDER BY "expires_at" LIMIT ?`,
      [now.toISOString(), limit],
    );
    return rows.map((row) => row.id);
  }

  /** Builds queued or running (their jobs are lost when an embedded process stops). */
  async unfinished(): Promise<string[]> {
    const rows = await this.db.all<{ id: string }>(
      `SELECT "id" FROM "gallery_exports" WHERE "status" IN ('queued', 'running') ORDER BY "created_at"`,
    );
    return rows.map((row) => row.id);
  }

  async remove(id: string): Promise<void> {
    await this.db.run(`DELETE FROM "gallery_exports" WHERE "id" = ?`, [id]);
  }

  private async set(id: string, assignments: string, params: readonly unknown[]): Promise<void> {
    await this.db.run(`UPDATE "gallery_exports" SET ${assignments}, "updated_at" = ? WHERE "id" = ?`, [
      ...params,
      new Date().toISOString(),
      id,
    ]);
  }
}

function toBuild(row: Row): ExportBuild {
  return {
    id: row.id,
    ownerId: Number(row.owner_id),
    status: row.status,
    imageIds: JSON.parse(row.image_ids_json) as number[],
    options: { sidecars: Number(row.sidecars) === 1, redact: Number(row.redact) === 1 },
    images: Number(row.images),
    bytes: Number(row.bytes),
    written: Number(row.written),
    filename: row.filename,
    error: row.error,
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
  };
}
