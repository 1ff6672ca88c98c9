import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialectOf } from '../dialect.js';

const columns = `"id", "at", "actor_id", "actor_username", "action", "target_type", "target_id", "target_label", "details_json"`;

/** The audit_log table as 1764400000000 made it, with `actor_id` nullable or not. */
function createTable(name: string, actorNullable: boolean): string {
  return `
    CREATE TABLE "${name}" (
      "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
      "at" text NOT NULL,
      "actor_id" integer${actorNullable ? '' : ' NOT NULL'},
      "actor_username" text NOT NULL,
      "action" text NOT NULL,
      "target_type" text NOT NULL,
      "target_id" text,
      "target_label" text,
      "details_json" text NOT NULL
    )`;
}

/**
 * Audit entries of the system actor: what Atelier did on someone's behalf (a webhook endpoint it switched off
 * after days of failures) has no person behind it, so `actor_id` becomes nullable (null = Atelier itself,
 * `actor_username` 'system'). Postgres drops the constraint in place; SQLite cannot, so the table is rebuilt
 * with its rows, its id sequence (ids order the pages: a new entry must never reuse an old id) and its index.
 */
export class AuditSystemActor1765000000000 implements MigrationInterface {
  name = 'AuditSystemActor1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (dialectOf(queryRunner) === 'postgres') {
      await queryRunner.query(`ALTER TABLE "audit_log" ALTER COLUMN "actor_id" DROP NOT NULL`);
      return;
    }
    await rebuild(queryRunner, true);
  }

  /** The system's entries go: there is no one to name as their actor. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM "audit_log" WHERE "actor_id" IS NULL`);
    if (dialectOf(queryRunner) === 'postgres') {
      await queryRunner.query(`ALTER TABLE "audit_log" ALTER COLUMN "actor_id" SET NOT NULL`);
      return;
    }
    await rebuild(queryRunner, false);
  }
}

/** SQLite's way to change a column's constraint: copy into a new table, swap, and recreate the index. */
async function rebuild(queryRunner: QueryRunner, actorNullable: boolean): Promise<void> {
  await queryRunner.query(createTable('audit_log_rebuilt', actorNullable));
  await queryRunner.query(
    `INSERT INTO "audit_log_rebuilt" (${columns}) SELECT ${columns} FROM "audit_log" ORDER BY "id"`,
  );
  // Carries AUTOINCREMENT's high-water mark over (it may exceed the highest id left in the table).
  // The old mark is at least the copied rows' highest id, so it replaces the new table's.
  await queryRunner.query(`DELETE FROM "sqlite_sequence" WHERE "name" = 'audit_log_rebuilt'`);
  await queryRunner.query(
    `INSERT INTO "sqlite_sequence" ("name", "seq") SELECT 'audit_log_rebuilt', "seq" FROM "sqlite_sequence" WHERE "name" = 'audit_log'`,
  );
  await queryRunner.query(`DROP TABLE "audit_log"`);
  await queryRunner.query(`ALTER TABLE "audit_log_rebuilt" RENAME TO "audit_log"`);
  await queryRunner.query(`CREATE INDEX "ix_audit_log_action" ON "audit_log" ("action", "id")`);
}
