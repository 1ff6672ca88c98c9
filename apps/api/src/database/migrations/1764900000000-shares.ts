import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ddl, dialectOf } from '../dialect.js';

/**
 * Share links (sharing/): the token is kept only as its SHA-256, so a copy of the database cannot
 * open a link. An image or selection share keeps its ids; a board's is resolved at each view. A
 * share goes when its owner or its board does.
 */
export class Shares1764900000000 implements MigrationInterface {
  name = 'Shares1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = ddl(dialectOf(queryRunner));
    await queryRunner.query(`
      CREATE TABLE "shares" (
        "id" ${t.id},
        "token_hash" text NOT NULL,
        "owner_id" integer NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "kind" text NOT NULL,
        "image_ids_json" text NULL,
        "board_id" integer NULL REFERENCES "boards" ("id") ON DELETE CASCADE,
        "expires_at" text NULL,
        "password_hash" text NULL,
        "redact" boolean NOT NULL DEFAULT ${t.bool(true)},
        "allow_download" boolean NOT NULL DEFAULT ${t.bool(false)},
        "views" integer NOT NULL DEFAULT (0),
        "created_at" text NOT NULL
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "ux_shares_token_hash" ON "shares" ("token_hash")`);
    await queryRunner.query(`CREATE INDEX "ix_shares_owner" ON "shares" ("owner_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "shares"`);
  }
}
