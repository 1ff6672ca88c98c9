import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ddl, dialectOf } from '../dialect.js';

const jobColumns = `"id", "prompt_id", "owner_id", "kind", "status", "comfy_client_id", "caller_client_id",
  "idempotency_key", "request_hash", "workflow", "params", "queue_number", "images", "error", "created_at",
  "submitted_at", "started_at", "finished_at", "updated_at", "template_id", "template_version"`;

const statuses = `'queued', 'running', 'succeeded', 'failed', 'interrupted', 'lost'`;

/** Postgres: the columns this migration adds to comfy_jobs, in the order the SQLite rebuild has them. */
const addedJobColumns = [
  `"backend_id" integer`,
  `"queue_position" ${ddl('postgres').real}`,
  `"owner_role" text`,
  `"gpu_seconds" ${ddl('postgres').real}`,
  `"retry_of" text`,
  `"attempt" integer NOT NULL DEFAULT (1)`,
  `"avoid_backend_id" integer`,
];

/**
 * Atelier holds the queue: a job first `waiting` in the ledger, posted to a backend only when that
 * backend has room. SQLite cannot alter a CHECK, so comfy_jobs is rebuilt (nothing references it by
 * foreign key). New columns: the backend it went to, its place among its owner's waiting jobs (real,
 * so a move between two jobs needs no renumbering), the owner's role when queued (fair-share weight),
 * GPU time, the job it retries, its attempt and the backend a retry should avoid. comfy_queue_owners
 * holds each user's queue switches (paused, automatic retry of lost jobs). Postgres alters the CHECK in
 * place and adds the columns (the table keeps its rows, indexes and id sequence).
 */
export class JobQueue1764700000000 implements MigrationInterface {
  name = 'JobQueue1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const dialect = dialectOf(queryRunner);
    const t = ddl(dialect);
    if (dialect === 'postgres') {
      await setStatusCheck(queryRunner, `'waiting', ${statuses}`);
      for (const column of addedJobColumns) {
        await queryRunner.query(`ALTER TABLE "comfy_jobs" ADD COLUMN ${column}`);
      }
    } else {
      await rebuildJobs(queryRunner);
    }
    // The dispatcher's and the waiting list's reads: an owner's waiting jobs in order; a backend's jobs in flight.
    await queryRunner.query(
      `CREATE INDEX "ix_comfy_jobs_queue" ON "comfy_jobs" ("status", "owner_id", "queue_position")`,
    );
    await queryRunner.query(`CREATE INDEX "ix_comfy_jobs_backend" ON "comfy_jobs" ("backend_id", "status")`);
    // Booleans to the entity (QueueOwnerEntity); SQLite keeps the integer 0/1 it always had.
    const flag = dialect === 'postgres' ? 'boolean' : 'integer';
    await queryRunner.query(`
      CREATE TABLE "comfy_queue_owners" (
        "user_id" integer PRIMARY KEY NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "paused" ${flag} NOT NULL DEFAULT ${t.bool(false)},
        "auto_retry" ${flag} NOT NULL DEFAULT ${t.bool(true)},
        "updated_at" ${t.datetime} NOT NULL DEFAULT ${t.now}
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "comfy_queue_owners"`);
    await queryRunner.query(`DELETE FROM "comfy_jobs" WHERE "status" = 'waiting'`);
    await queryRunner.query(`DROP INDEX "ix_comfy_jobs_backend"`);
    await queryRunner.query(`DROP INDEX "ix_comfy_jobs_queue"`);
    for (const column of [
      'avoid_backend_id',
      'attempt',
      'retry_of',
      'gpu_seconds',
      'owner_role',
      'queue_position',
      'backend_id',
    ]) {
      await queryRunner.query(`ALTER TABLE "comfy_jobs" DROP COLUMN "${column}"`);
    }
    // SQLite keeps the wider CHECK (changing it would take another rebuild); no row is 'waiting' now.
    if (dialectOf(queryRunner) === 'postgres') await setStatusCheck(queryRunner, statuses);
  }
}

/** Postgres: the status CHECK (named by Postgres after the table and column) replaced in place. */
async function setStatusCheck(queryRunner: QueryRunner, values: string): Promise<void> {
  await queryRunner.query(`ALTER TABLE "comfy_jobs" DROP CONSTRAINT "comfy_jobs_status_check"`);
  await queryRunner.query(
    `ALTER TABLE "comfy_jobs" ADD CONSTRAINT "comfy_jobs_status_check" CHECK ("status" IN (${values}))`,
  );
}

/** SQLite cannot alter a CHECK: the table is copied into a new one, swapped in, and its indexes made again. */
async function rebuildJobs(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`
      CREATE TABLE "comfy_jobs_next" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "prompt_id" text NOT NULL,
        "owner_id" integer NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "kind" text NOT NULL CHECK ("kind" IN ('txt2img', 'workflow')),
        "status" text NOT NULL
          CHECK ("status" IN ('waiting', 'queued', 'running', 'succeeded', 'failed', 'interrupted', 'lost')),
        "comfy_client_id" text NOT NULL,
        "caller_client_id" text,
        "idempotency_key" text,
        "request_hash" text,
        "workflow" text NOT NULL,
        "params" text,
        "queue_number" real,
        "images" text NOT NULL DEFAULT ('[]'),
        "error" text,
        "created_at" datetime NOT NULL DEFAULT (datetime('now')),
        "submitted_at" datetime,
        "started_at" datetime,
        "finished_at" datetime,
        "updated_at" datetime NOT NULL DEFAULT (datetime('now')),
        "template_id" text,
        "template_version" text,
        "backend_id" integer,
        "queue_position" real,
        "owner_role" text,
        "gpu_seconds" real,
        "retry_of" text,
        "attempt" integer NOT NULL DEFAULT (1),
        "avoid_backend_id" integer
      )`);
  await queryRunner.query(
    `INSERT INTO "comfy_jobs_next" (${jobColumns}) SELECT ${jobColumns} FROM "comfy_jobs"`,
  );
  await queryRunner.query(`DROP TABLE "comfy_jobs"`);
  await queryRunner.query(`ALTER TABLE "comfy_jobs_next" RENAME TO "comfy_jobs"`);
  await createJobIndexes(queryRunner);
}

async function createJobIndexes(queryRunner: QueryRunner): Promise<void> {
  await queryRunner.query(`CREATE UNIQUE INDEX "ux_comfy_jobs_prompt_id" ON "comfy_jobs" ("prompt_id")`);
  await queryRunner.query(
    `CREATE UNIQUE INDEX "ux_comfy_jobs_idempotency" ON "comfy_jobs" ("owner_id", "idempotency_key")
     WHERE "idempotency_key" IS NOT NULL`,
  );
  await queryRunner.query(`CREATE INDEX "ix_comfy_jobs_owner" ON "comfy_jobs" ("owner_id", "id")`);
  await queryRunner.query(`CREATE INDEX "ix_comfy_jobs_status" ON "comfy_jobs" ("status", "id")`);
}
