import type { JobStatus } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { Sql, dateFrom } from '../database/sql.js';

/** The jobs that have not ended: counted at every scrape, over the (status, …) index, never the whole ledger. */
export const activeJobStatuses = ['waiting', 'queued', 'running'] as const;

// Constant texts (prepared once by the SQLite adapter). Aliases are quoted: Postgres folds unquoted ones to
// lower case, and `user` is one of its reserved words.
const byStatusSql = `SELECT "status", COUNT(*) AS "n" FROM "comfy_jobs"
  WHERE "status" IN ('waiting', 'queued', 'running') GROUP BY "status"`;
const waitingByOwnerSql = `SELECT "u"."username" AS "user", COUNT(*) AS "n" FROM "comfy_jobs" "j"
  JOIN "users" "u" ON "u"."id" = "j"."owner_id"
  WHERE "j"."status" = 'waiting' GROUP BY "u"."id", "u"."username"`;
const timesSql = `SELECT "created_at" AS "createdAt", "started_at" AS "startedAt" FROM "comfy_jobs" WHERE "prompt_id" = ?`;
const graphSql = `SELECT "workflow" FROM "comfy_jobs" WHERE "prompt_id" = ?`;

/** What the metrics read from the job ledger: small, index-backed queries. */
@Injectable()
export class JobCountsRepository {
  constructor(private readonly sql: Sql) {}

  /** Jobs per active status (absent statuses have none). */
  async activeByStatus(): Promise<{ status: JobStatus; n: number }[]> {
    const rows = await this.sql.all<{ status: JobStatus; n: number | string }>(byStatusSql);
    return rows.map((row) => ({ status: row.status, n: Number(row.n) }));
  }

  /** Waiting jobs per owner (by username). */
  async waitingPerUser(): Promise<{ user: string; n: number }[]> {
    const rows = await this.sql.all<{ user: string; n: number | string }>(waitingByOwnerSql);
    return rows.map((row) => ({ user: row.user, n: Number(row.n) }));
  }

  /** When a job was created and started (ms since the epoch); null when the ledger has no such job. */
  async timesOf(promptId: string): Promise<{ createdAt: number; startedAt: number | null } | null> {
    const row = await this.sql.get<{ createdAt: string | Date; startedAt: string | Date | null }>(timesSql, [
      promptId,
    ]);
    if (!row) return null;
    return {
      createdAt: dateFrom(row.createdAt).getTime(),
      startedAt: row.startedAt === null ? null : dateFrom(row.startedAt).getTime(),
    };
  }

  /** Node id → node class of a job's graph; null when the ledger has no such job. */
  async nodeClassesOf(promptId: string): Promise<Map<string, string> | null> {
    const row = await this.sql.get<{ workflow: string }>(graphSql, [promptId]);
    if (!row) return null;
    const classes = new Map<string, string>();
    let graph: unknown;
    try {
      graph = JSON.parse(row.workflow);
    } catch {
      return classes;
    }
    if (typeof graph !== 'object' || graph === null) return classes;
    for (const [id, node] of Object.entries(graph)) {
      const type: unknown = (node as { class_type?: unknown } | null)?.class_type;
      if (typeof type === 'string') classes.set(id, type);
    }
    return classes;
  }
}
