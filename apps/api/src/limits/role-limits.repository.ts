import type { Role, RoleLimits } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { Sql, dateFrom } from '../database/sql.js';
import { RoleLimitsEntity } from './role-limits.entity.js';

/** A role's row with the username of whoever last edited it. */
export interface RoleLimitsRow {
  role: Role;
  limits: RoleLimits;
  updatedAt: Date | null;
  updatedBy: { id: number; username: string } | null;
}

/** The raw query's row: the caps' columns carry the contract's names. */
interface LimitsRow extends RoleLimits {
  role: Role;
  updated_by: number | null;
  /** Text on SQLite, a Date from drivers that parse timestamps. */
  updated_at: string | Date | null;
  username: string | null;
}

const columnOf = {
  max_waiting: 'maxWaiting',
  max_running: 'maxRunning',
  max_steps: 'maxSteps',
  max_pixels: 'maxPixels',
  max_batch_size: 'maxBatchSize',
  gpu_seconds_per_day: 'gpuSecondsPerDay',
  weight: 'weight',
} as const satisfies Record<keyof RoleLimits, keyof RoleLimitsEntity>;

// Read on every submit: the job ledger's own table, counted here so comfy/ needs no limits-shaped query.
const waitingOfOwnerSql = `SELECT COUNT(*) AS "n" FROM "comfy_jobs" WHERE "owner_id" = ? AND "status" = 'waiting'`;

/** Named queries of the caps per role; the only file of the limits feature that touches TypeORM. */
@Injectable()
export class RoleLimitsRepository {
  constructor(
    @InjectRepository(RoleLimitsEntity) private readonly rows: Repository<RoleLimitsEntity>,
    private readonly sql: Sql,
  ) {}

  async all(): Promise<RoleLimitsRow[]> {
    const rows = await this.sql.all<LimitsRow>(
      `SELECT "l".*, "u"."username" FROM "comfy_role_limits" "l"
       LEFT JOIN "users" "u" ON "u"."id" = "l"."updated_by"`,
    );
    return rows.map(toRow);
  }

  async update(role: Role, changes: Partial<RoleLimits>, actorId: number): Promise<void> {
    const set: Partial<RoleLimitsEntity> = { updatedBy: actorId, updatedAt: new Date() };
    for (const [field, value] of Object.entries(changes) as [keyof RoleLimits, number | null][]) {
      Object.assign(set, { [columnOf[field]]: value });
    }
    await this.rows.update({ role }, set);
  }

  /** The owner's jobs waiting in Atelier's queue (not yet posted to a backend). */
  async waitingOf(ownerId: number): Promise<number> {
    const row = await this.sql.get<{ n: number | string }>(waitingOfOwnerSql, [ownerId]);
    return Number(row?.n ?? 0);
  }
}

function toRow(row: LimitsRow): RoleLimitsRow {
  return {
    role: row.role,
    limits: {
      max_waiting: row.max_waiting,
      max_running: row.max_running,
      max_steps: row.max_steps,
      max_pixels: row.max_pixels,
      max_batch_size: row.max_batch_size,
      gpu_seconds_per_day: row.gpu_seconds_per_day,
      weight: row.weight,
    },
    updatedAt: row.updated_at === null ? null : dateFrom(row.updated_at),
    updatedBy:
      row.updated_by === null ? null : { id: row.updated_by, username: row.username ?? `#${row.updated_by}` },
  };
}
