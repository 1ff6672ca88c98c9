import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ddl, dialectOf } from '../dialect.js';

/** Users, their refresh tokens (hashed) and the admin overrides of runtime settings. */
export class InitialSchema1763700000000 implements MigrationInterface {
  name = 'InitialSchema1763700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = ddl(dialectOf(queryRunner));
    if (t.requiresCitext) await queryRunner.query(t.requiresCitext);
    await queryRunner.query(`
      CREATE TABLE "users" (
        "id" ${t.id},
        "username" ${t.nocaseText} NOT NULL,
        "password_hash" text NOT NULL,
        "role" text NOT NULL CHECK ("role" IN ('user', 'curator', 'admin')),
        "disabled" boolean NOT NULL DEFAULT ${t.bool(false)},
        "created_at" ${t.datetime} NOT NULL DEFAULT ${t.now},
        "updated_at" ${t.datetime} NOT NULL DEFAULT ${t.now}
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "ux_users_username" ON "users" ("username")`);

    await queryRunner.query(`
      CREATE TABLE "refresh_tokens" (
        "id" ${t.id},
        "user_id" integer NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "session_id" text NOT NULL,
        "token_hash" text NOT NULL,
        "expires_at" ${t.datetime} NOT NULL,
        "revoked_at" ${t.datetime},
        "created_at" ${t.datetime} NOT NULL DEFAULT ${t.now}
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_refresh_tokens_hash" ON "refresh_tokens" ("token_hash")`,
    );
    await queryRunner.query(`CREATE INDEX "ix_refresh_tokens_session" ON "refresh_tokens" ("session_id")`);
    await queryRunner.query(`CREATE INDEX "ix_refresh_tokens_user" ON "refresh_tokens" ("user_id")`);

    await queryRunner.query(`
      CREATE TABLE "settings" (
        "key" text PRIMARY KEY NOT NULL,
        "value" text NOT NULL,
        "updated_by" integer REFERENCES "users" ("id") ON DELETE SET NULL,
        "updated_at" ${t.datetime} NOT NULL DEFAULT ${t.now}
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "settings"`);
    await queryRunner.query(`DROP TABLE "refresh_tokens"`);
    await queryRunner.query(`DROP TABLE "users"`);
  }
}
