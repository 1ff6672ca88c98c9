import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lineage: which uploaded files each job read (with their content hash, so an image made from another
 * can name its parent), and an image's parent in the gallery. `parent_sha256` is kept even while no
 * image has those bytes: a parent kept later adopts its children (see gallery/lineage/).
 */
export class Lineage1764800000000 implements MigrationInterface {
  name = 'Lineage1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "comfy_job_inputs" (
        "prompt_id" text NOT NULL,
        "upload_id" integer NOT NULL,
        "sha256" text NOT NULL,
        "kind" text NOT NULL,
        "position" integer NOT NULL DEFAULT (0),
        PRIMARY KEY ("prompt_id", "upload_id")
      )`);
    await queryRunner.query(`ALTER TABLE "gallery_images" ADD COLUMN "parent_id" integer NULL`);
    await queryRunner.query(`ALTER TABLE "gallery_images" ADD COLUMN "parent_sha256" text NULL`);
    // An image's children; and, for a new image, the orphans waiting for its bytes.
    await queryRunner.query(`CREATE INDEX "ix_gallery_images_parent" ON "gallery_images" ("parent_id")`);
    await queryRunner.query(
      `CREATE INDEX "ix_gallery_images_parent_sha256" ON "gallery_images" ("parent_sha256")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_gallery_images_parent_sha256"`);
    await queryRunner.query(`DROP INDEX "ix_gallery_images_parent"`);
    await queryRunner.query(`ALTER TABLE "gallery_images" DROP COLUMN "parent_sha256"`);
    await queryRunner.query(`ALTER TABLE "gallery_images" DROP COLUMN "parent_id"`);
    await queryRunner.query(`DROP TABLE "comfy_job_inputs"`);
  }
}
