import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ddl, dialectOf } from '../dialect.js';

/**
 * Parameter sweeps: one row per sweep (its request with the seed it drew, for the grid and for a retried
 * request with the same Idempotency-Key), and one row per cell naming the job that renders it. Cells point at
 * prompt ids, not at comfy_jobs rows, so the ledger's table can be rebuilt without touching them.
 */
export class ComfySweeps1764700000300 implements MigrationInterface {
  name = 'ComfySweeps1764700000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    const dialect = dialectOf(queryRunner);
    // Declared `timestamp` on SQLite from the start (the same as datetime there); timestamptz on Postgres.
    const createdAt = dialect === 'postgres' ? ddl(dialect).datetime : 'timestamp';
    await queryRunner.query(`
      CREATE TABLE "comfy_sweeps" (
        "id" varchar(36) PRIMARY KEY NOT NULL,
        "owner_id" integer NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "idempotency_key" text,
        "request_hash" text NOT NULL,
        "request" text NOT NULL,
        "job_count" integer NOT NULL,
        "created_at" ${createdAt} NOT NULL DEFAULT CURRENT_TIMESTAMP
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_comfy_sweeps_idempotency" ON "comfy_sweeps" ("owner_id", "idempotency_key")
       WHERE "idempotency_key" IS NOT NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE "comfy_sweep_cells" (
        "sweep_id" varchar(36) NOT NULL REFERENCES "comfy_sweeps" ("id") ON DELETE CASCADE,
        "x" integer NOT NULL,
        "y" integer NOT NULL,
        "z" integer NOT NULL,
        "prompt_id" text NOT NULL,
        PRIMARY KEY ("sweep_id", "x", "y", "z")
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_comfy_sweep_cells_prompt" ON "comfy_sweep_cells" ("prompt_id")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "comfy_sweep_cells"`);
    await queryRunner.query(`DROP TABLE "comfy_sweeps"`);
  }
}
