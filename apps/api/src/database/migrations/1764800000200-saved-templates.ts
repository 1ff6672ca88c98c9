import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ddl, dialectOf } from '../dialect.js';

/**
 * Workflow templates saved by curators (POST /api/comfy/workflows, …/:name/versions): one row per version,
 * never updated, so every version a job recorded (`comfy_jobs.template_version`) can be read and run again.
 * They live here and not in the config folder, which is the checkout's and may be read-only. The saver's
 * username is copied (as the audit log does): a template outlives its author's account.
 */
export class SavedTemplates1764800000200 implements MigrationInterface {
  name = 'SavedTemplates1764800000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = ddl(dialectOf(queryRunner));
    await queryRunner.query(`
      CREATE TABLE "comfy_saved_templates" (
        "id" ${t.id},
        "name" text NOT NULL,
        "version" text NOT NULL,
        "title" text NOT NULL,
        "description" text NOT NULL,
        "prompt_json" text NOT NULL,
        "params_json" text NOT NULL,
        "created_by" integer NULL REFERENCES "users" ("id") ON DELETE SET NULL,
        "created_by_username" text NOT NULL,
        "created_at" text NOT NULL
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_comfy_saved_templates_version" ON "comfy_saved_templates" ("name", "version")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "comfy_saved_templates"`);
  }
}
