import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ddl, dialectOf } from '../dialect.js';

/**
 * The ComfyUI job ledger: every job is written here before it is posted to ComfyUI, so its status,
 * parameters and outputs survive ComfyUI restarts and ComfyUI's capped in-memory history.
 */
export class ComfyJobs1763900000000 implements MigrationInterface {
  name = 'ComfyJobs1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = ddl(dialectOf(queryRunner));
    await queryRunner.query(`
      CREATE TABLE "comfy_jobs" (
        "id" ${t.id},
        "prompt_id" text NOT NULL,
        "owner_id" integer NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "kind" text NOT NULL CHECK ("kind" IN ('txt2img', 'workflow')),
        "status" text NOT NULL
          CHECK ("status" IN ('queued', 'running', 'succeeded', 'failed', 'interrupted', 'lost')),
        "comfy_client_id" text NOT NULL,
        "caller_client_id" text,
        "idempotency_key" text,
        "request_hash" text,
        "workflow" text NOT NULL,
        "params" text,
        "queue_number" ${t.real},
        "images" text NOT NULL DEFAULT ('[]'),
        "error" text,
        "created_at" ${t.datetime} NOT NULL DEFAULT ${t.now},
        "submitted_at" ${t.datetime},
        "started_at" ${t.datetime},
        "finished_at" ${t.datetime},
        "updated_at" ${t.datetime} NOT NULL DEFAULT ${t.now}
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "ux_comfy_jobs_prompt_id" ON "comfy_jobs" ("prompt_id")`);
    // A retried request (same user, same Idempotency-Key) finds its job instead of queueing a second one.
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_comfy_jobs_idempotency" ON "comfy_jobs" ("owner_id", "idempotency_key")
       WHERE "idempotency_key" IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX "ix_comfy_jobs_owner" ON "comfy_jobs" ("owner_id", "id")`);
    await queryRunner.query(`CREATE INDEX "ix_comfy_jobs_status" ON "comfy_jobs" ("status", "id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "comfy_jobs"`);
  }
}
