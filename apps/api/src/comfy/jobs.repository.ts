import type { JobStatus } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { isUniqueViolation, time, type Dialect } from '../database/dialect.js';
import { Sql, dateFrom } from '../database/sql.js';
import { ImageOwnersRepository } from './image-owners.repository.js';
import { ComfyJobEntity } from './job.entity.js';

export type NewJob = Pick<
  ComfyJobEntity,
  | 'promptId'
  | 'ownerId'
  | 'kind'
  | 'comfyClientId'
  | 'callerClientId'
  | 'idempotencyKey'
  | 'requestHash'
  | 'workflow'
  | 'params'
  | 'templateId'
  | 'templateVersion'
>;

export type JobChanges = Partial<
  Pick<
    ComfyJobEntity,
    'status' | 'queueNumber' | 'images' | 'error' | 'submittedAt' | 'startedAt' | 'finishedAt' | 'gpuSeconds'
  >
>;

export interface JobListFilter {
  ownerId?: number;
  status?: JobStatus;
  /** Only rows with a smaller id (keyset paging, newest first). */
  beforeId?: number;
  limit: number;
  /** Rows to skip first (waiting jobs, listed in queue order, page by place). */
  offset?: number;
}

const activeStatuses: JobStatus[] = ['queued', 'running'];

const jobChangeColumns: Record<keyof JobChanges, string> = {
  status: 'status',
  queueNumber: 'queue_number',
  images: 'images',
  error: 'error',
  submittedAt: 'submitted_at',
  startedAt: 'started_at',
  finishedAt: 'finished_at',
  gpuSeconds: 'gpu_seconds',
};

/** A change as TypeORM writes it: dates as the engine compares them, simple-json columns as JSON, null as NULL. */
function columnValue(dialect: Dialect, value: JobChanges[keyof JobChanges]): unknown {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return time(dialect, value);
  if (typeof value === 'object') return JSON.stringify(value);
  return value;
}

/** What a job list shows of a job: no graph (the largest column), the owner's name only. */
export type JobListItem = Pick<
  ComfyJobEntity,
  | 'id'
  | 'promptId'
  | 'kind'
  | 'status'
  | 'ownerId'
  | 'params'
  | 'images'
  | 'error'
  | 'createdAt'
  | 'startedAt'
  | 'finishedAt'
  | 'backendId'
  | 'gpuSeconds'
  | 'retryOf'
> & {
  owner: { username: string } | null;
  /** 1-based among the owner's waiting jobs while waiting; else null. */
  waitingPosition: number | null;
};

interface JobListRow {
  id: number;
  prompt_id: string;
  kind: ComfyJobEntity['kind'];
  status: JobStatus;
  owner_id: number;
  owner_username: string | null;
  params: string | null;
  images: string;
  error: string | null;
  created_at: string | Date;
  started_at: string | Date | null;
  finished_at: string | Date | null;
  backend_id: number | null;
  gpu_seconds: number | null;
  retry_of: string | null;
  waiting_position: number | string | null;
}

/** Named queries of the job ledger; the only file of the comfy module that touches TypeORM. */
@Injectable()
export class JobsRepository {
  /**
   * The list's text of each filter combination, built on first use: the same text each time, so the SQLite
   * adapter runs its cached prepared statement (the list is polled by every open page).
   */
  private readonly listTexts = new Map<string, string>();
  /** updateActive's text of each set of changed columns (prepared once per text on SQLite). */
  private readonly activeUpdates = new Map<string, string>();

  constructor(
    @InjectRepository(ComfyJobEntity) private readonly rows: Repository<ComfyJobEntity>,
    private readonly owners: ImageOwnersRepository,
    private readonly sql: Sql,
  ) {}

  /** Inserts a queued job, or returns null when its prompt id or (owner, idempotency key) exists. */
  async insert(job: NewJob): Promise<ComfyJobEntity | null> {
    try {
      return await this.rows.save(this.rows.create({ ...job, status: 'queued', images: [], error: null }));
    } catch (error) {
      if (isUniqueViolation(error)) return null;
      throw error;
    }
  }

  findByPromptId(promptId: string): Promise<ComfyJobEntity | null> {
    return this.rows.findOne({ where: { promptId }, relations: { owner: true } });
  }

  findByIdempotencyKey(ownerId: number, idempotencyKey: string): Promise<ComfyJobEntity | null> {
    return this.rows.findOne({ where: { ownerId, idempotencyKey }, relations: { owner: true } });
  }

  async update(promptId: string, changes: JobChanges): Promise<void> {
    await this.recordOwners(promptId, changes);
    await this.rows.update({ promptId }, changes);
  }

  /** ComfyUI chose another id than ours (older servers ignore a client's prompt_id): the job goes by its. */
  async adoptPromptId(ours: string, theirs: string): Promise<void> {
    await this.rows.update({ promptId: ours }, { promptId: theirs });
  }

  /** Applies the changes only while the job is queued or running: a finished job's record is final. */
  async updateActive(promptId: string, changes: JobChanges): Promise<boolean> {
    await this.recordOwners(promptId, changes);
    // Prepared per set of columns: TypeORM's SQLite driver writes numbers (a job's GPU-seconds) into the
    // SQL text, so every job end was a new statement to prepare on the API's thread.
    const columns = (Object.keys(changes) as (keyof JobChanges)[]).filter(
      (key) => changes[key] !== undefined,
    );
    const key = columns.join(',');
    let text = this.activeUpdates.get(key);
    if (text === undefined) {
      const sets = columns.map((column) => `"${jobChangeColumns[column]}" = ?`).join(', ');
      text = `UPDATE "comfy_jobs" SET ${sets}, "updated_at" = CURRENT_TIMESTAMP
         WHERE "prompt_id" = ? AND "status" IN ('queued', 'running')`;
      this.activeUpdates.set(key, text);
    }
    const values = columns.map((column) => columnValue(this.sql.dialect, changes[column]));
    const result = await this.sql.run(text, [...values, promptId]);
    return result.changes > 0;
  }

  /**
   * A job's images become its owner's (GET /view serves them to no other user), written before the job row says
   * they exist; a row left by a write that then finds the job finished names images the job did produce.
   */
  private async recordOwners(promptId: string, changes: JobChanges): Promise<void> {
    if (changes.images && changes.images.length > 0) await this.owners.recordForJob(promptId, changes.images);
  }

  async delete(promptId: string): Promise<void> {
    await this.rows.delete({ promptId });
  }

  /** Jobs the ledger still thinks ComfyUI holds. */
  listActive(): Promise<ComfyJobEntity[]> {
    return this.rows.find({ where: { status: In(activeStatuses) }, order: { id: 'ASC' } });
  }

  /** Newest first; one constant text per filter combination (the list is polled by every open page). */
  async list(filter: JobListFilter): Promise<JobListItem[]> {
    const conditions: string[] = [];
    const values: unknown[] = [];
    if (filter.ownerId !== undefined) {
      conditions.push('"job"."owner_id" = ?');
      values.push(filter.ownerId);
    }
    if (filter.status !== undefined) {
      conditions.push('"job"."status" = ?');
      values.push(filter.status);
    }
    if (filter.beforeId !== undefined) {
      conditions.push('"job"."id" < ?');
      values.push(filter.beforeId);
    }
    values.push(filter.limit, filter.offset ?? 0);
    const where = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    // Waiting jobs are listed in the order they will run (per owner); everything else newest first.
    const order =
      filter.status === 'waiting'
        ? '"job"."owner_id", "job"."queue_position", "job"."id"'
        : '"job"."id" DESC';
    const key = `${where} ${order}`;
    let text = this.listTexts.get(key);
    if (text === undefined) {
      text = `SELECT "job"."id", "job"."prompt_id", "job"."kind", "job"."status", "job"."owner_id",
           "owner"."username" AS "owner_username", "job"."params", "job"."images", "job"."error",
           "job"."created_at", "job"."started_at", "job"."finished_at", "job"."backend_id",
         "job"."gpu_seconds", "job"."retry_of",
         CASE WHEN "job"."status" = 'waiting' THEN (
           SELECT COUNT(*) FROM "comfy_jobs" "w" WHERE "w"."status" = 'waiting'
             AND "w"."owner_id" = "job"."owner_id" AND "w"."queue_position" <= "job"."queue_position"
         ) END AS "waiting_position"
         FROM "comfy_jobs" "job" LEFT JOIN "users" "owner" ON "owner"."id" = "job"."owner_id"
         ${where} ORDER BY ${order} LIMIT ? OFFSET ?`;
      this.listTexts.set(key, text);
    }
    const rows = await this.sql.all<JobListRow>(text, values);
    return rows.map((row) => ({
      id: row.id,
      promptId: row.prompt_id,
      kind: row.kind,
      status: row.status,
      ownerId: row.owner_id,
      owner: row.owner_username === null ? null : { username: row.owner_username },
      params: parseJson(row.params) as ComfyJobEntity['params'],
      images: (parseJson(row.images) ?? []) as ComfyJobEntity['images'],
      error: parseJson(row.error) as ComfyJobEntity['error'],
      createdAt: dateFrom(row.created_at),
      startedAt: row.started_at === null ? null : dateFrom(row.started_at),
      finishedAt: row.finished_at === null ? null : dateFrom(row.finished_at),
      backendId: row.backend_id,
      gpuSeconds: row.gpu_seconds,
      retryOf: row.retry_of,
      waitingPosition: row.waiting_position === null ? null : Number(row.waiting_position),
    }));
  }
}

/** simple-json columns, read as TypeORM reads them. */
function parseJson(text: string | null): unknown {
  return text === null ? null : JSON.parse(text);
}
