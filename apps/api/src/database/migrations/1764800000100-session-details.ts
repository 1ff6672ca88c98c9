import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Which browser and address a session was signed in from, so its owner can tell their sessions apart
 * (GET /api/auth/sessions). Every refresh token of a session carries them, copied on rotation.
 */
export class SessionDetails1764800000100 implements MigrationInterface {
  name = 'SessionDetails1764800000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "refresh_tokens" ADD COLUMN "user_agent" text NULL`);
    await queryRunner.query(`ALTER TABLE "refresh_tokens" ADD COLUMN "ip" text NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "refresh_tokens" DROP COLUMN "ip"`);
    await queryRunner.query(`ALTER TABLE "refresh_tokens" DROP COLUMN "user_agent"`);
  }
}
