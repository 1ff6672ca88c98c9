import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ddl, dialectOf } from '../dialect.js';

/** Set when an admin resets a user's password: the user must choose a new one before anything else. */
export class UserMustChangePassword1764210000000 implements MigrationInterface {
  name = 'UserMustChangePassword1764210000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = ddl(dialectOf(queryRunner));
    await queryRunner.query(
      `ALTER TABLE "users" ADD COLUMN "must_change_password" boolean NOT NULL DEFAULT ${t.bool(false)}`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "users" DROP COLUMN "must_change_password"`);
  }
}
