import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ddl, dialectOf } from '../dialect.js';

/**
 * Who may see which ComfyUI image through GET /api/comfy/view: one row per (file, owner), written when a job's
 * images are recorded and when an upload is stored. The primary key is the lookup of every view, so a view costs
 * one index probe; WITHOUT ROWID keeps the table that index. Filled here from the jobs and uploads already known
 * (SQLite only: a Postgres database is made by running every migration on an empty database, so there is
 * nothing to fill, and the fill reads the images JSON with SQLite's json_each).
 */
export class ComfyImageOwners1764300000000 implements MigrationInterface {
  name = 'ComfyImageOwners1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const dialect = dialectOf(queryRunner);
    await queryRunner.query(`
      CREATE TABLE "comfy_image_owners" (
        "type" text NOT NULL CHECK ("type" IN ('output', 'input', 'temp')),
        "subfolder" text NOT NULL,
        "filename" text NOT NULL,
        "owner_id" integer NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        PRIMARY KEY ("type", "subfolder", "filename", "owner_id")
      ) ${ddl(dialect).withoutRowid}`);
    if (dialect === 'postgres') return;
    await queryRunner.query(`
      INSERT OR IGNORE INTO "comfy_image_owners" ("type", "subfolder", "filename", "owner_id")
      SELECT json_extract(image.value, '$.type'), coalesce(json_extract(image.value, '$.subfolder'), ''),
             json_extract(image.value, '$.filename'), job."owner_id"
      FROM "comfy_jobs" job, json_each(job."images") image
      WHERE json_valid(job."images") AND json_extract(image.value, '$.filename') IS NOT NULL
        AND json_extract(image.value, '$.type') IN ('output', 'input', 'temp')`);
    await queryRunner.query(`
      INSERT OR IGNORE INTO "comfy_image_owners" ("type", "subfolder", "filename", "owner_id")
      SELECT 'input', "subfolder", "name", "owner_id" FROM "comfy_uploads" WHERE "deleted_at" IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "comfy_image_owners"`);
  }
}
