import type { JobError } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, IsNull, Repository } from 'typeorm';
import { isUniqueViolation, time } from '../database/dialect.js';
import { Sql, dateFrom, type SqlExecutor } from '../database/sql.js';
import { ComfyJobEntity } from './job.entity.js';
import type { NewJob } from './jobs.repository.js';

/** What a waiting job carries beyond a plain new job: its owner's role and, for retries, the link. */
export type NewWaitingJob = NewJob &
  Pick<ComfyJobEntity, 'ownerRole'> &
  Partial<Pick<ComfyJobEntity, 'retryOf' | 'attempt' | 'avoidBackendId'>>;

/**
 * The queries of Atelier's own queue (rows in `waiting`). Every state change out of `waiting` is a
 * conditional UPDATE (`WHERE status = 'waiting'`), so a job is posted once, and a cancel and a post
 * racing each other cannot both win.
 */
@Injectable()
export class WaitingJobsRepository {
  // Every submission runs these, as constant texts (the SQLite adapter keeps them prepared): TypeORM's save
  // built and prepared its INSERT and the SELECT after it anew each time (~0.5 ms on the API's thread, a burst
  // of 100 POSTs held job ends back by that much). TypeORM's SQLite driver also wrote numbers into the SQL
  // text: ComfyUI's queue number made every post's UPDATE a new statement to prepare.

  constructor(
    @InjectRepository(ComfyJobEntity) private readonly rows: Repository<ComfyJobEntity>,
    private readonly sql: Sql,
  ) {}

  /**
   * Inserts a waiting job at its owner's tail (or head); null when its prompt id or idempotency key exists.
   * One statement that takes the place from the owner's edge as it writes the row (no transaction: on
   * SQLite one would hold every other query back; on Postgres two submissions of one owner at the same
   * instant may share a place, and then go by id).
   */
  async insert(job: NewWaitingJob, at: 'head' | 'tail' = 'tail'): Promise<ComfyJobEntity | null> {
    try {
      return await this.insertIn(this.sql, job, at);
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  /** The row as TypeORM's save returned it: every column set, nulls for the unset ones, defaults read back. */
  private async insertIn(tx: SqlExecutor, job: NewWaitingJob, at: 'head' | 'tail'): Promise<ComfyJobEntity> {
    const entity = this.rows.create({
      ...job,
      status: 'waiting',
      queuePosition: null,
      images: [],
      error: null,
      queueNumber: null,
      submittedAt: null,
      startedAt: null,
      finishedAt: null,
      backendId: null,
      gpuSeconds: null,
      retryOf: job.retryOf ?? null,
      attempt: job.attempt ?? 1,
      avoidBackendId: job.avoidBackendId ?? null,
    });
    const inserted = await tx.get<InsertedRow>(at === 'tail' ? insertAtTailSql : insertAtHeadSql, [
      entity.ownerId,
      entity.promptId,
      entity.kind,
      entity.status,
      entity.comfyClientId,
      entity.callerClientId,
      entity.idempotencyKey,
      entity.requestHash,
      JSON.stringify(entity.workflow),
      entity.params === null ? null : JSON.stringify(entity.params),
      entity.templateId,
      entity.templateVersion,
      JSON.stringify(entity.images),
      entity.ownerId,
      entity.ownerRole,
      entity.retryOf,
      entity.attempt,
      entity.avoidBackendId,
    ]);
    if (!inserted) throw new Error('The job row was not returned');
    entity.id = inserted.id;
    entity.queuePosition = inserted.queue_position;
    entity.createdAt = dateFrom(inserted.created_at);
    entity.updatedAt = dateFrom(inserted.updated_at);
    return entity;
  }

  /** Inserts several waiting jobs of one owner at its tail, in one transaction (all or none). */
  async insertMany(jobs: readonly NewWaitingJob[]): Promise<ComfyJobEntity[]> {
    return this.sql.transaction(async (tx) => {
      const saved: ComfyJobEntity[] = [];
      for (const job of jobs) saved.push(await this.insertIn(tx, job, 'tail'));
      return saved;
    });
  }

  /** Every waiting job, each owner's in order. */
  listWaiting(): Promise<ComfyJobEntity[]> {
    return this.rows.find({
      where: { status: 'waiting' },
      order: { ownerId: 'ASC', queuePosition: 'ASC', id: 'ASC' },
    });
  }

  /** One owner's waiting jobs in order (ids and positions only). */
  async ownerOrder(ownerId: number): Promise<Array<{ promptId: string; position: number }>> {
    const rows = await this.rows.find({
      select: { promptId: true, queuePosition: true, id: true },
      where: { ownerId, status: 'waiting' },
      order: { queuePosition: 'ASC', id: 'ASC' },
    });
    return rows.map((row) => ({ promptId: row.promptId, position: row.queuePosition ?? 0 }));
  }

  async setPosition(promptId: string, queuePosition: number): Promise<boolean> {
    const result = await this.rows.update({ promptId, status: 'waiting' }, { queuePosition });
    return (result.affected ?? 0) > 0;
  }

  /** Reserves a waiting job for a backend before it is posted; false when it is no longer waiting or already claimed. */
  async claim(promptId: string, backendId: number): Promise<boolean> {
    const result = await this.rows.update(
      { promptId, status: 'waiting', backendId: IsNull() },
      { backendId },
    );
    return (result.affected ?? 0) > 0;
  }

  /** The post did not get through: the job waits again, for any backend. False when it left `waiting` meanwhile. */
  async unclaim(promptId: string): Promise<boolean> {
    const result = await this.rows.update({ promptId, status: 'waiting' }, { backendId: null });
    return (result.affected ?? 0) > 0;
  }

  /** ComfyUI has it: `queued` on the claimed backend. False when it was cancelled while being posted. */
  async accept(promptId: string, changes: { queueNumber: number; submittedAt: Date }): Promise<boolean> {
    const result = await this.sql.run(acceptSql, [
      changes.queueNumber,
      time(this.sql.dialect, changes.submittedAt),
      promptId,
    ]);
    return result.changes > 0;
  }

  /** Ends a job that never reached a backend (cancelled, or refused by ComfyUI on a later post). */
  async end(
    promptId: string,
    status: 'interrupted' | 'failed',
    error: JobError | null,
  ): Promise<Date | null> {
    const finishedAt = new Date();
    const result = await this.rows.update(
      { promptId, status: 'waiting' },
      { status, error, finishedAt, queuePosition: null },
    );
    return (result.affected ?? 0) > 0 ? finishedAt : null;
  }

  /** An owner's waiting jobs and those posted to a backend (queued or running). */
  async countsOf(ownerId: number): Promise<{ waiting: number; running: number }> {
    const [waiting, running] = await Promise.all([
      this.rows.count({ where: { ownerId, status: 'waiting' } }),
      this.rows.count({ where: { ownerId, status: In(['queued', 'running']) } }),
    ]);
    return { waiting, running };
  }
}

interface InsertedRow {
  id: number;
  queue_position: number;
  created_at: string | Date;
  updated_at: string | Date;
}

// created_at, updated_at and id come from the table's defaults, as with TypeORM's save. The place is one past
// the owner's tail (or before its head), read by the same statement (a subquery in VALUES: both engines take it).
function insertSql(place: string): string {
  return `INSERT INTO "comfy_jobs" ("owner_id", "prompt_id", "kind", "status", "comfy_client_id",
  "caller_client_id", "idempotency_key", "request_hash", "workflow", "params", "template_id", "template_version",
  "images", "error", "queue_position", "owner_role", "retry_of", "attempt", "avoid_backend_id")
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL,
    (SELECT ${place} FROM "comfy_jobs" WHERE "owner_id" = ? AND "status" = 'waiting'),
    ?, ?, ?, ?)
  RETURNING "id", "queue_position", "created_at", "updated_at"`;
}
const insertAtTailSql = insertSql('COALESCE(MAX("queue_position"), 0) + 1');
const insertAtHeadSql = insertSql('COALESCE(MIN("queue_position"), 0) - 1');

// updated_at as TypeORM's UpdateDateColumn sets it.
const acceptSql = `UPDATE "comfy_jobs" SET "queue_number" = ?, "submitted_at" = ?, "status" = 'queued',
  "queue_position" = NULL, "updated_at" = CURRENT_TIMESTAMP WHERE "prompt_id" = ? AND "status" = 'waiting'`;
