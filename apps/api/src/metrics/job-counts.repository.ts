import type { JobStatus } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { preparedStatement, sqliteDate } from '../database/prepared.js';

/** The jobs that have not ended: counted at every scrape, over the (status, …) index, never the whole ledger. */
export const activeJobStatuses = ['waiting', 'queued', 'running'] as const;

/** What the metrics read from the job ledger: small, index-backed queries, prepared once. */
@Injectable()
export class JobCountsRepository {
  private readonly byStatus;
  private readonly waitingByOwner;
  private readonly times;
  private readonly graph;

  constructor(db: DataSource) {
    this.byStatus = preparedStatement<{ status: JobStatus; n: number }>(
      db,
      `SELECT status, COUNT(*) AS n FROM comfy_jobs
       WHERE status IN ('waiting', 'queued', 'running') GROUP BY status`,
    );
    this.waitingByOwner = preparedStatement<{ user: string; n: number }>(
      db,
      `SELECT u.username AS user, COUNT(*) AS n FROM comfy_jobs j JOIN users u ON u.id = j.owner_id
       WHERE j.status = 'waiting' GROUP BY j.owner_id`,
    );
    this.times = preparedStatement<{ createdAt: string; startedAt: string | null }>(
      db,
      `SELECT created_at AS createdAt, started_at AS startedAt FROM comfy_jobs WHERE prompt_id = ?`,
    );
    this.graph = preparedStatement<{ workflow: string }>(
      db,
      `SELECT workflow FROM comfy_jobs WHERE prompt_id = ?`,
    );
  }

  /** Jobs per active status (absent statuses have none). */
  activeByStatus(): { status: JobStatus; n: number }[] {
    return this.byStatus().all();
  }

  /** Waiting jobs per owner (by username). */
  waitingPerUser(): { user: string; n: number }[] {
    return this.waitingByOwner().all();
  }

  /** When a job was created and started (ms since the epoch); null when the ledger has no such job. */
  timesOf(promptId: string): { createdAt: number; startedAt: number | null } | null {
    const row = this.times().get(promptId);
    if (!row) return null;
    return {
      createdAt: sqliteDate(row.createdAt).getTime(),
      startedAt: row.startedAt === null ? null : sqliteDate(row.startedAt).getTime(),
    };
  }

  /** Node id → node class of a job's graph; null when the ledger has no such job. */
  nodeClassesOf(promptId: string): Map<string, string> | null {
    const row = this.graph().get(promptId);
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
