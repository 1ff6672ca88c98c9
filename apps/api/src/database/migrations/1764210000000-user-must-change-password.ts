import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Set when an admin resets a user's password: the user must choose a new one before anything else. */
export class UserMustChangePassword1764210000000 implements MigrationInterface {
  name = 'UserMustChangePassword1764210000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "users" ADD COLUMN "must_change_password" boolean NOT NULL DEFAULT (0)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "must_change_password"`);
  }
}
