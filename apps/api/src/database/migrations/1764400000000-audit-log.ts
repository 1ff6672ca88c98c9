import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ddl, dialectOf } from '../dialect.js';

/**
 * The audit log: one row per admin or curator action. The actor's username is copied, so an entry
 * still says who it was after a rename; the row id orders entries (keyset paging, newest first) and
 * the (action, id) index serves the action filter.
 */
export class AuditLog1764400000000 implements MigrationInterface {
  name = 'AuditLog1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = ddl(dialectOf(queryRunner));
    await queryRunner.query(`
      CREATE TABLE "audit_log" (
        "id" ${t.id},
        "at" text NOT NULL,
        "actor_id" integer NOT NULL,
        "actor_username" text NOT NULL,
        "action" text NOT NULL,
        "target_type" text NOT NULL,
        "target_id" text,
        "target_label" text,
        "details_json" text NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX "ix_audit_log_action" ON "audit_log" ("action", "id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "audit_log"`);
  }
}
