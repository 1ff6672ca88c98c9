import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ddl, dialectOf } from '../dialect.js';

/**
 * Scoped API keys: a user's named keys, each stored as the SHA-256 of the secret (unique, so the auth path
 * finds a key by one indexed lookup) with a visible prefix to tell them apart. A revoked key keeps its row
 * (`revoked_at`) so the owner's list and the audit still name it.
 */
export class ApiKeys1764900000100 implements MigrationInterface {
  name = 'ApiKeys1764900000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = ddl(dialectOf(queryRunner));
    await queryRunner.query(`
      CREATE TABLE "api_keys" (
        "id" ${t.id},
        "user_id" integer NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "name" text NOT NULL,
        "prefix" text NOT NULL,
        "key_hash" text NOT NULL,
        "scopes_json" text NOT NULL,
        "expires_at" ${t.datetime} NULL,
        "revoked_at" ${t.datetime} NULL,
        "last_used_at" ${t.datetime} NULL,
        "last_used_ip" text NULL,
        "created_at" ${t.datetime} NOT NULL DEFAULT (CURRENT_TIMESTAMP)
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "ux_api_keys_hash" ON "api_keys" ("key_hash")`);
    await queryRunner.query(`CREATE INDEX "ix_api_keys_user" ON "api_keys" ("user_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "api_keys"`);
  }
}
