import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The template a job was built from (`builtin/txt2img`, `preset/<name>`, `workflow/<name>`) and its version (a
 * content hash), so a result can be traced to the exact graph and contract. Null for a caller's own graph
 * (POST /api/comfy/queue) and for jobs recorded before templates had ids.
 */
export class JobTemplates1764100000000 implements MigrationInterface {
  name = 'JobTemplates1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "comfy_jobs" ADD COLUMN "template_id" text`);
    await queryRunner.query(`ALTER TABLE "comfy_jobs" ADD COLUMN "template_version" text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "comfy_jobs" DROP COLUMN "template_version"`);
    await queryRunner.query(`ALTER TABLE "comfy_jobs" DROP COLUMN "template_id"`);
  }
}
