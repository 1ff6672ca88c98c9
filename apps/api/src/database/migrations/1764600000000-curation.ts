import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ddl, dialectOf } from '../dialect.js';

/**
 * Curation (issue 12): boards (manual ones list their images in board_images; a smart board is a
 * saved search in query_json), the review trail (one row per submit/approve/reject decision, with
 * who, when and the note), and who trashed an image (trashed_at itself came with the search schema).
 */
export class Curation1764600000000 implements MigrationInterface {
  name = 'Curation1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = ddl(dialectOf(queryRunner));
    await queryRunner.query(`
      CREATE TABLE "boards" (
        "id" ${t.id},
        "name" text NOT NULL,
        "owner_id" integer NOT NULL REFERENCES "users" ("id"),
        "visibility" text NOT NULL CHECK ("visibility" IN ('private', 'team')),
        "query_json" text,
        "cover_image_id" integer REFERENCES "gallery_images" ("id") ON DELETE SET NULL,
        "created_at" text NOT NULL,
        "updated_at" text NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX "ix_boards_owner" ON "boards" ("owner_id", "id")`);
    await queryRunner.query(`CREATE INDEX "ix_boards_visibility" ON "boards" ("visibility", "id")`);
    // (board, image) is the key: a board's page walks it by image id, newest first.
    await queryRunner.query(`
      CREATE TABLE "board_images" (
        "board_id" integer NOT NULL REFERENCES "boards" ("id") ON DELETE CASCADE,
        "image_id" integer NOT NULL REFERENCES "gallery_images" ("id") ON DELETE CASCADE,
        "added_at" text NOT NULL,
        "added_by" integer NOT NULL,
        PRIMARY KEY ("board_id", "image_id")
      ) ${t.withoutRowid}`);
    await queryRunner.query(`CREATE INDEX "ix_board_images_image" ON "board_images" ("image_id")`);
    await queryRunner.query(`
      CREATE TABLE "gallery_reviews" (
        "id" ${t.id},
        "image_id" integer NOT NULL REFERENCES "gallery_images" ("id") ON DELETE CASCADE,
        "decision" text NOT NULL CHECK ("decision" IN ('submitted', 'approved', 'rejected', 'withdrawn')),
        "note" text,
        "by_id" integer NOT NULL,
        "by_username" text NOT NULL,
        "at" text NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_gallery_reviews_image" ON "gallery_reviews" ("image_id", "id")`,
    );
    await queryRunner.query(`ALTER TABLE "gallery_images" ADD COLUMN "review_note" text`);
    await queryRunner.query(`ALTER TABLE "gallery_images" ADD COLUMN "trashed_by" integer`);
    // The trash page and the purge walk trashed images by when they were trashed.
    await queryRunner.query(
      `CREATE INDEX "ix_gallery_images_trashed" ON "gallery_images" ("trashed_at", "id") WHERE "trashed_at" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_gallery_images_trashed"`);
    await queryRunner.query(`ALTER TABLE "gallery_images" DROP COLUMN "trashed_by"`);
    await queryRunner.query(`ALTER TABLE "gallery_images" DROP COLUMN "review_note"`);
    await queryRunner.query(`DROP TABLE "gallery_reviews"`);
    await queryRunner.query(`DROP TABLE "board_images"`);
    await queryRunner.query(`DROP TABLE "boards"`);
  }
}
