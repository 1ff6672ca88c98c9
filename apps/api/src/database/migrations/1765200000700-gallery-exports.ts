import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * ZIP exports built in the background (issue 16): one row per build, so any replica answers its status
 * and serves its file. The image ids are those planned when it was asked for (already checked as visible
 * to its owner); the build writes them to the store's `exports` area. Times are ISO-8601 UTC text, which
 * compares in order as text on SQLite and Postgres alike; counts are bigint (an export passes 2 GiB).
 */
export class GalleryExports1765200000700 implements MigrationInterface {
  name = 'GalleryExports1765200000700';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "gallery_exports" (
        "id" varchar(36) PRIMARY KEY NOT NULL,
        "owner_id" integer NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "status" text NOT NULL,
        "image_ids_json" text NOT NULL,
        "sidecars" integer NOT NULL DEFAULT (0),
        "redact" integer NOT NULL DEFAULT (0),
        "images" integer NOT NULL,
        "bytes" bigint NOT NULL,
        "written" bigint NOT NULL DEFAULT (0),
        "filename" text NOT NULL,
        "error" text NULL,
        "created_at" text NOT NULL,
        "expires_at" text NOT NULL,
        "updated_at" text NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX "ix_gallery_exports_owner" ON "gallery_exports" ("owner_id")`);
    await queryRunner.query(`CREATE INDEX "ix_gallery_exports_expires" ON "gallery_exports" ("expires_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "gallery_exports"`);
  }
}
