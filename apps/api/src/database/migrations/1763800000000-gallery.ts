import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ddl, dialectOf } from '../dialect.js';

/** The gallery: one row per kept image, keyed by the SHA-256 of its bytes. */
export class Gallery1763800000000 implements MigrationInterface {
  name = 'Gallery1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = ddl(dialectOf(queryRunner));
    // created_at is an ISO-8601 UTC string with milliseconds, written by the app: it sorts as text,
    // and keyset cursors compare it exactly.
    await queryRunner.query(`
      CREATE TABLE "gallery_images" (
        "id" ${t.id},
        "sha256" text NOT NULL,
        "mime" text NOT NULL CHECK ("mime" IN ('image/png', 'image/jpeg', 'image/webp')),
        "ext" text NOT NULL,
        "bytes" integer NOT NULL,
        "width" integer NOT NULL,
        "height" integer NOT NULL,
        "relative_path" text NOT NULL,
        "thumbnail_path" text NOT NULL,
        "prompt_id" text,
        "params_json" text,
        "workflow_json" text,
        "metadata_json" text NOT NULL DEFAULT ('{}'),
        "source_json" text,
        "created_by" integer NOT NULL REFERENCES "users" ("id"),
        "created_at" text NOT NULL
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "ux_gallery_images_sha256" ON "gallery_images" ("sha256")`);
    await queryRunner.query(`CREATE INDEX "ix_gallery_images_prompt" ON "gallery_images" ("prompt_id")`);
    await queryRunner.query(
      `CREATE INDEX "ix_gallery_images_created" ON "gallery_images" ("created_at", "id")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "gallery_images"`);
  }
}
