import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { isUniqueViolation } from '../../database/dialect.js';
import { Sql } from '../../database/sql.js';
import { ComfyBackendEntity } from './backend.entity.js';

export type BackendFields = Pick<
  ComfyBackendEntity,
  'name' | 'url' | 'weight' | 'tags' | 'enabled' | 'draining'
>;

/**
 * Jobs a backend has in its queue or is running (waiting jobs are Atelier's, not the backend's). The flag is
 * bound as a boolean (`? AND …`: SQLite takes it as 1/0, Postgres as a boolean).
 */
const inFlightSql = `SELECT COUNT(*) AS "n" FROM "comfy_jobs"
  WHERE "status" IN ('queued', 'running') AND ("backend_id" = ? OR (? AND "backend_id" IS NULL))`;

/** Every backend's jobs in flight at once (the ix_comfy_jobs_backend index); NULL: jobs from before the pool. */
const inFlightByBackendSql = `SELECT "backend_id" AS "backendId", COUNT(*) AS "n" FROM "comfy_jobs"
  WHERE "status" IN ('queued', 'running') GROUP BY "backend_id"`;

/** Named queries of comfy_backends; the only file of the pool that touches TypeORM. */
@Injectable()
export class BackendsRepository {
  constructor(
    @InjectRepository(ComfyBackendEntity) private readonly rows: Repository<ComfyBackendEntity>,
    private readonly sql: Sql,
  ) {}

  /** Jobs in flight per backend id (one grouped count): jobs with no backend are counted under `defaultId`. */
  async inFlightByBackend(defaultId: number): Promise<Map<number, number>> {
    const counts = new Map<number, number>();
    const rows = await this.sql.all<{ backendId: number | null; n: number | string }>(inFlightByBackendSql);
    for (const { backendId, n } of rows) {
      const id = backendId ?? defaultId;
      counts.set(id, (counts.get(id) ?? 0) + Number(n));
    }
    return counts;
  }

  /** The backends that were not removed, oldest first (the default is id 1). */
  listLive(): Promise<ComfyBackendEntity[]> {
    return this.rows.find({ where: { deletedAt: IsNull() }, order: { id: 'ASC' } });
  }

  findLive(id: number): Promise<ComfyBackendEntity | null> {
    return this.rows.findOne({ where: { id, deletedAt: IsNull() } });
  }

  /** Null when a live backend already has that name (the unique index said so). */
  async insert(fields: BackendFields): Promise<ComfyBackendEntity | null> {
    const now = new Date();
    try {
      return await this.rows.save(
        this.rows.create({ ...fields, isDefault: false, createdAt: now, updatedAt: now, deletedAt: null }),
      );
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  /** False when the new name is taken. */
  async update(id: number, fields: Partial<BackendFields>): Promise<boolean> {
    try {
      await this.rows.update({ id, deletedAt: IsNull() }, { ...fields, updatedAt: new Date() });
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  async softDelete(id: number): Promise<void> {
    await this.rows.update({ id, deletedAt: IsNull() }, { deletedAt: new Date(), enabled: false });
  }

  /** The ledger's count of a backend's jobs in flight (jobs with no backend ran on the default). */
  async countInFlight(id: number, isDefault: boolean): Promise<number> {
    const row = await this.sql.get<{ n: number | string }>(inFlightSql, [id, isDefault]);
    return Number(row?.n ?? 0);
  }
}
