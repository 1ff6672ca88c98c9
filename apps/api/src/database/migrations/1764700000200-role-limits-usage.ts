import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ddl, dialectOf } from '../dialect.js';

/**
 * Caps per role and GPU accounting. comfy_role_limits holds one row per role (NULL = unlimited; seeded
 * unlimited with weight 1, so nothing changes until an admin sets a cap). comfy_usage_daily sums ended
 * jobs and their GPU-seconds per UTC day, user, role (at enqueue) and backend; no foreign keys, so the
 * figures outlive a removed user or backend. Plain SQL that Postgres accepts too.
 */
export class RoleLimitsUsage1764700000200 implements MigrationInterface {
  name = 'RoleLimitsUsage1764700000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = ddl(dialectOf(queryRunner));
    await queryRunner.query(`
      CREATE TABLE "comfy_role_limits" (
        "role" text PRIMARY KEY NOT NULL CHECK ("role" IN ('user', 'curator', 'admin')),
        "max_waiting" integer,
        "max_running" integer,
        "max_steps" integer,
        "max_pixels" integer,
        "max_batch_size" integer,
        "gpu_seconds_per_day" ${t.real},
        "weight" ${t.real} NOT NULL DEFAULT (1),
        "updated_by" integer,
        "updated_at" ${t.datetime}
      )`);
    await queryRunner.query(
      `INSERT INTO "comfy_role_limits" ("role") VALUES ('user'), ('curator'), ('admin')`,
    );
    await queryRunner.query(`
      CREATE TABLE "comfy_usage_daily" (
        "day" text NOT NULL,
        "user_id" integer NOT NULL,
        "role" text NOT NULL,
        "backend_id" integer NOT NULL,
        "jobs" integer NOT NULL DEFAULT (0),
        "gpu_seconds" ${t.real} NOT NULL DEFAULT (0),
        PRIMARY KEY ("day", "user_id", "backend_id", "role")
      )`);
    // A user's own days (GET /api/me/usage, today's total at boot); reports by range use the primary key.
    await queryRunner.query(
      `CREATE INDEX "ix_comfy_usage_daily_user" ON "comfy_usage_daily" ("user_id", "day")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "comfy_usage_daily"`);
    await queryRunner.query(`DROP TABLE "comfy_role_limits"`);
  }
}
