import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ddl, dialectOf } from '../dialect.js';

/**
 * Input images sent to ComfyUI (POST /api/comfy/upload): who uploaded what under which name, the job that
 * used it, and when it was deleted (ephemeral uploads).
 */
export class ComfyUploads1764000000000 implements MigrationInterface {
  name = 'ComfyUploads1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = ddl(dialectOf(queryRunner));
    await queryRunner.query(`
      CREATE TABLE "comfy_uploads" (
        "id" ${t.id},
        "owner_id" integer NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        "name" text NOT NULL,
        "subfolder" text NOT NULL DEFAULT (''),
        "kind" text NOT NULL CHECK ("kind" IN ('image', 'mask')),
        "sha256" text NOT NULL,
        "bytes" integer NOT NULL,
        "mime" text NOT NULL CHECK ("mime" IN ('image/png', 'image/jpeg', 'image/webp')),
        "width" integer NOT NULL,
        "height" integer NOT NULL,
        "ephemeral" boolean NOT NULL DEFAULT ${t.bool(false)},
        "prompt_id" text,
        "created_at" ${t.datetime} NOT NULL DEFAULT ${t.now},
        "deleted_at" ${t.datetime}
      )`);
    // "May this user name this file?" (txt2img's image/mask) and "does anyone else still use it?" (cleanup).
    await queryRunner.query(
      `CREATE INDEX "ix_comfy_uploads_file" ON "comfy_uploads" ("subfolder", "name") WHERE "deleted_at" IS NULL`,
    );
    await queryRunner.query(`CREATE INDEX "ix_comfy_uploads_prompt" ON "comfy_uploads" ("prompt_id")`);
    await queryRunner.query(
      `CREATE INDEX "ix_comfy_uploads_ephemeral" ON "comfy_uploads" ("id")
       WHERE "ephemeral" = ${t.boolValue(true)} AND "deleted_at" IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "comfy_uploads"`);
  }
}
