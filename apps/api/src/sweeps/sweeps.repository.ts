import type { ComfyImageRef, JobError, JobStatus } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { isUniqueViolation, time } from '../database/dialect.js';
import { Sql } from '../database/sql.js';
import { SweepEntity } from './sweep.entity.js';

export type NewSweep = Omit<SweepEntity, 'owner' | 'createdAt'>;

/** A sweep with its owner's name. */
export type SweepRow = SweepEntity & { owner: { username: string } | null };

/** A cell with its job as the ledger has it now. */
export interface SweepCellRow {
  x: number;
  y: number;
  z: number;
  promptId: string;
  status: JobStatus;
  images: ComfyImageRef[];
  error: JobError | null;
  params: Record<string, unknown> | null;
}

interface CellSqlRow {
  x: number;
  y: number;
  z: number;
  prompt_id: string;
  status: JobStatus | null;
  images: string | null;
  error: string | null;
  params: string | null;
}

// One read for the whole grid (up to 256 cells, polled while it fills): the cells joined with the ledger's rows.
// A cell whose job row is gone (its owner deleted it with the user) reads as lost.
const cellsSql = `SELECT c."x", c."y", c."z", c."prompt_id", j."status", j."images", j."error", j."params"
  FROM "comfy_sweep_cells" c LEFT JOIN "comfy_jobs" j ON j."prompt_id" = c."prompt_id"
  WHERE c."sweep_id" = ? ORDER BY c."z", c."y", c."x"`;

/** Named queries of sweeps (tables comfy_sweeps and comfy_sweep_cells, migration 1764700000300). */
@Injectable()
export class SweepsRepository {
  constructor(
    @InjectRepository(SweepEntity) private readonly sweeps: Repository<SweepEntity>,
    private readonly db: Sql,
  ) {}

  /** False when the owner already has a sweep with this Idempotency-Key (a concurrent request won). */
  async insert(sweep: NewSweep): Promise<boolean> {
    try {
      await this.db.run(
        `INSERT INTO "comfy_sweeps" ("id", "owner_id", "idempotency_key", "request_hash", "request", "job_count", "created_at")
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [
          sweep.id,
          sweep.ownerId,
          sweep.idempotencyKey,
          sweep.requestHash,
          JSON.stringify(sweep.request),
          sweep.jobCount,
          time(this.db.dialect, new Date()),
        ],
      );
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  find(id: string): Promise<SweepRow | null> {
    return this.sweeps.findOne({ where: { id }, relations: { owner: true } }) as Promise<SweepRow | null>;
  }

  findByIdempotencyKey(ownerId: number, key: string): Promise<SweepEntity | null> {
    return this.sweeps.findOne({ where: { ownerId, idempotencyKey: key } });
  }

  /** In one transaction; idempotent (a resumed sweep records the cells it had already queued once). */
  async addCells(
    sweepId: string,
    cells: readonly { x: number; y: number; z: number; promptId: string }[],
  ): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const cell of cells) {
        await tx.run(
          `INSERT INTO "comfy_sweep_cells" ("sweep_id", "x", "y", "z", "prompt_id") VALUES (?, ?, ?, ?, ?)
           ON CONFLICT DO NOTHING`,
          [sweepId, cell.x, cell.y, cell.z, cell.promptId],
        );
      }
    });
  }

  /** A sweep none of whose jobs could be queued. */
  async delete(id: string): Promise<void> {
    await this.db.run(`DELETE FROM "comfy_sweeps" WHERE "id" = ?`, [id]);
  }

  /** The sweep a job renders a cell of (null for a job of no sweep): by the cells' prompt_id index. */
  async sweepOfPrompt(promptId: string): Promise<{ id: string; ownerId: number; jobCount: number } | null> {
    const row = await this.db.get<{ id: string; owner_id: number; job_count: number }>(
      `SELECT s."id", s."owner_id", s."job_count" FROM "comfy_sweep_cells" c
       JOIN "comfy_sweeps" s ON s."id" = c."sweep_id" WHERE c."prompt_id" = ? LIMIT 1`,
      [promptId],
    );
    return row ? { id: row.id, ownerId: row.owner_id, jobCount: row.job_count } : null;
  }

  async cells(sweepId: string): Promise<SweepCellRow[]> {
    const rows = await this.db.all<CellSqlRow>(cellsSql, [sweepId]);
    return rows.map((row) => ({
      x: row.x,
      y: row.y,
      z: row.z,
      promptId: row.prompt_id,
      status: row.status ?? 'lost',
      images: parseJson<ComfyImageRef[]>(row.images) ?? [],
      error: parseJson<JobError>(row.error),
      params: parseJson<Record<string, unknown>>(row.params),
    }));
  }
}

function parseJson<T>(text: string | null): T | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}
