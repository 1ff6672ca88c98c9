import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The pool of ComfyUI servers. Backend 1 is the default: its `url` is null while it follows the
 * `comfy_api_url` setting (COMFY_API_URL, or the managed server), so a database made before the pool
 * keeps working unchanged. Removed backends are soft-deleted (`deleted_at`): jobs and usage keep naming
 * them, and the name is free again (the unique index covers live rows only).
 *
 * `comfy_image_owners` gains the backend in its key: ComfyUI names outputs by a per-server counter
 * (`prefix_00001_.png`), so two servers produce the same names and one user's image must not open
 * another's. Existing rows were all made by the one server there was: the default.
 */
export class ComfyBackends1764700000100 implements MigrationInterface {
  name = 'ComfyBackends1764700000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "comfy_backends" (
        "id" integer PRIMARY KEY AUTOINCREMENT NOT NULL,
        "name" text NOT NULL,
        "url" text,
        "is_default" integer NOT NULL DEFAULT 0 CHECK ("is_default" IN (0, 1)),
        "weight" real NOT NULL DEFAULT 1 CHECK ("weight" > 0),
        "tags" text NOT NULL DEFAULT '[]',
        "enabled" integer NOT NULL DEFAULT 1 CHECK ("enabled" IN (0, 1)),
        "draining" integer NOT NULL DEFAULT 0 CHECK ("draining" IN (0, 1)),
        "created_at" datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
        "updated_at" datetime NOT NULL DEFAULT CURRENT_TIMESTAMP,
        "deleted_at" datetime,
        CHECK ("url" IS NOT NULL OR "is_default" = 1)
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_comfy_backends_name" ON "comfy_backends" ("name") WHERE "deleted_at" IS NULL`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_comfy_backends_default" ON "comfy_backends" ("is_default") WHERE "is_default" = 1`,
    );
    await queryRunner.query(
      `INSERT INTO "comfy_backends" ("id", "name", "url", "is_default") VALUES (1, 'default', NULL, 1)`,
    );

    await queryRunner.query(`
      CREATE TABLE "comfy_image_owners_new" (
        "type" text NOT NULL CHECK ("type" IN ('output', 'input', 'temp')),
        "subfolder" text NOT NULL,
        "filename" text NOT NULL,
        "backend_id" integer NOT NULL DEFAULT 1,
        "owner_id" integer NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        PRIMARY KEY ("type", "subfolder", "filename", "backend_id", "owner_id")
      ) WITHOUT ROWID`);
    await queryRunner.query(`
      INSERT INTO "comfy_image_owners_new" ("type", "subfolder", "filename", "backend_id", "owner_id")
      SELECT "type", "subfolder", "filename", 1, "owner_id" FROM "comfy_image_owners"`);
    await queryRunner.query(`DROP TABLE "comfy_image_owners"`);
    await queryRunner.query(`ALTER TABLE "comfy_image_owners_new" RENAME TO "comfy_image_owners"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "comfy_image_owners_old" (
        "type" text NOT NULL CHECK ("type" IN ('output', 'input', 'temp')),
        "subfolder" text NOT NULL,
        "filename" text NOT NULL,
        "owner_id" integer NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
        PRIMARY KEY ("type", "subfolder", "filename", "owner_id")
      ) WITHOUT ROWID`);
    await queryRunner.query(`
      INSERT OR IGNORE INTO "comfy_image_owners_old" ("type", "subfolder", "filename", "owner_id")
      SELECT "type", "subfolder", "filename", "owner_id" FROM "comfy_image_owners"`);
    await queryRunner.query(`DROP TABLE "comfy_image_owners"`);
    await queryRunner.query(`ALTER TABLE "comfy_image_owners_old" RENAME TO "comfy_image_owners"`);
    await queryRunner.query(`DROP TABLE "comfy_backends"`);
  }
}
