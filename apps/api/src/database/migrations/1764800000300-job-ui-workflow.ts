import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The UI workflow a graph job was queued as (POST /queue with a UI workflow), so GET /comfy/jobs/:id/workflow
 * ?format=ui gives back the user's own layout instead of one rebuilt from the API prompt. NULL for every other job.
 */
export class JobUiWorkflow1764800000300 implements MigrationInterface {
  name = 'JobUiWorkflow1764800000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "comfy_jobs" ADD COLUMN "ui_workflow" text NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "comfy_jobs" DROP COLUMN "ui_workflow"`);
  }
}
