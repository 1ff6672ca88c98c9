import type { MigrationInterface, QueryRunner } from 'typeorm';
import { dialectOf } from '../dialect.js';

/**
 * An image's seed runs to 2^53 (the API's own bound, Number.MAX_SAFE_INTEGER; ComfyUI draws large ones):
 * Postgres's `integer` holds 4 bytes, so keeping such an image failed there. SQLite's integer already
 * holds 8 bytes: nothing to do on SQLite. (pg reads int8 as a number: data-source-options.ts.)
 */
export class GallerySeedBigint1765100000000 implements MigrationInterface {
  name = 'GallerySeedBigint1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (dialectOf(queryRunner) !== 'postgres') return;
    await queryRunner.query(`ALTER TABLE "gallery_images" ALTER COLUMN "p_seed" TYPE bigint`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (dialectOf(queryRunner) !== 'postgres') return;
    await queryRunner.query(`ALTER TABLE "gallery_images" ALTER COLUMN "p_seed" TYPE integer`);
  }
}
