import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ddl, dialectOf } from '../dialect.js';

/**
 * Signed webhooks: endpoints (a user's URL, its secret and the events it takes) and deliveries (one row per
 * event sent to one endpoint, retried with backoff by the worker). Deliveries are rows, not timers, so they
 * survive a restart; `next_attempt_at` is what the worker claims by. Times are ISO-8601 UTC text, which
 * compares in order as text on SQLite and Postgres alike.
 */
export class Webhooks1764900000200 implements MigrationInterface {
  name = 'Webhooks1764900000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = ddl(dialectOf(queryRunner));
    await queryRunner.query(`
      CREATE TABLE "webhook_endpoints" (
        "id" ${t.id},
        "owner_id" integer NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "url" text NOT NULL,
        "secret" text NOT NULL,
        "events_json" text NOT NULL,
        "all_users" boolean NOT NULL DEFAULT ${t.bool(false)},
        "enabled" boolean NOT NULL DEFAULT ${t.bool(true)},
        "disabled_at" text NULL,
        "disabled_reason" text NULL,
        "failing_since" text NULL,
        "created_at" text NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX "ix_webhook_endpoints_owner" ON "webhook_endpoints" ("owner_id")`);
    await queryRunner.query(`
      CREATE TABLE "webhook_deliveries" (
        "id" varchar(36) PRIMARY KEY NOT NULL,
        "endpoint_id" integer NOT NULL REFERENCES "webhook_endpoints" ("id") ON DELETE CASCADE,
        "event" text NOT NULL,
        "payload_json" text NOT NULL,
        "status" text NOT NULL,
        "attempts" integer NOT NULL DEFAULT (0),
        "next_attempt_at" text NULL,
        "claimed_until" text NULL,
        "last_status" integer NULL,
        "last_latency_ms" integer NULL,
        "last_error" text NULL,
        "response_excerpt" text NULL,
        "attempt_log_json" text NOT NULL DEFAULT ('[]'),
        "created_at" text NOT NULL,
        "delivered_at" text NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_deliveries_due" ON "webhook_deliveries" ("status", "next_attempt_at")`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_webhook_deliveries_endpoint" ON "webhook_deliveries" ("endpoint_id", "created_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "webhook_deliveries"`);
    await queryRunner.query(`DROP TABLE "webhook_endpoints"`);
  }
}
