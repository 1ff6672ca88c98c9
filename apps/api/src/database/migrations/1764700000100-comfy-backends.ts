import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ddl, dialectOf } from '../dialect.js';

/**
 * The pool of ComfyUI servers. Backend 1 is the default: its `url` is null while it follows the
 * `comfy_api_url` setting (COMFY_API_URL, or the managed server), so a database made before the pool
 * keeps working unchanged. Removed backends are soft-deleted (`deleted_at`): jobs and usage keep naming
 * them, and the name is free again (the unique index covers live rows only).
 *
 * `comfy_image_owners` gains the backend in its key: ComfyUI names outputs by a per-server counter
 * (`prefix_00001_.png`), so two servers produce the same names and one user's image must not open
 * another's. Existing rows were all made by the one server there was: the default. SQLite rebuilds that
 * table for its new key; Postgres adds the column and swaps the primary key in place.
 *
 * The flags are integers checked to 0/1 on SQLite and booleans on Postgres (BackendEntity maps booleans).
 */
export class ComfyBackends1764700000100 implements MigrationInterface {
  name = 'ComfyBackends1764700000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    const dialect = dialectOf(queryRunner);
    const t = ddl(dialect);
    const flag = (name: string, value: boolean) =>
      dialect === 'postgres'
        ? `"${name}" boolean NOT NULL DEFAULT ${t.boolValue(value)}`
        : `"${name}" integer NOT NULL DEFAULT ${t.boolValue(value)} CHECK ("${name}" IN (0, 1))`;
    const yes = t.boolValue(true);
    await queryRunner.query(`
      CREATE TABLE "comfy_backends" (
        "id" ${t.id},
        "name" text NOT NULL,
        "url" text,
        ${flag('is_default', false)},
        "weight" ${t.real} NOT NULL DEFAULT 1 CHECK ("weight" > 0),
        "tags" text NOT NULL DEFAULT '[]',
        ${flag('enabled', true)},
        ${flag('draining', false)},
        "created_at" ${t.datetime} NOT NULL DEFAULT CURRENT_TIMESTAMP,
        "updated_at" ${t.datetime} NOT NULL DEFAULT CURRENT_TIMESTAMP,
        "deleted_at" ${t.datetime},
        CHECK ("url" IS NOT NULL OR "is_default" = ${yes})
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_comfy_backends_name" ON "comfy_backends" ("name") WHERE "deleted_at" IS NULL`,
    );
    await queryRunner.query(
      `CREATE UNIQUE INDEX "ux_comfy_backends_default" ON "comfy_backends" ("is_default") WHERE "is_default" = ${yes}`,
    );
    await queryRunner.query(
      `INSERT INTO "comfy_backends" ("id", "name", "url", "is_default") VALUES (1, 'default', NULL, ${yes})`,
    );
    if (dialect === 'postgres') {
      // The identity hands out 1 next unless told that 1 is taken.
      await queryRunner.query(`SELECT setval(pg_get_serial_sequence('"comfy_backends"', 'id'), 1)`);
      await queryRunner.query(
        `ALTER TABLE "comfy_image_owners" ADD COLUMN "backend_id" integer NOT NULL DEFAULT 1`,
      );
      await setOwnersKey(queryRunner, '"type", "subfolder", "filename", "backend_id", "owner_id"');
      return;
    }

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
    if (dialectOf(queryRunner) === 'postgres') {
      // The same file seen on two backends by one owner becomes one row again.
      await queryRunner.query(`
        DELETE FROM "comfy_image_owners" "o" USING "comfy_image_owners" "other"
        WHERE "o"."type" = "other"."type" AND "o"."subfolder" = "other"."subfolder"
          AND "o"."filename" = "other"."filename" AND "o"."owner_id" = "other"."owner_id"
          AND "o"."backend_id" > "other"."backend_id"`);
      await queryRunner.query(`ALTER TABLE "comfy_image_owners" DROP COLUMN "backend_id"`);
      await setOwnersKey(queryRunner, '"type", "subfolder", "filename", "owner_id"');
      await queryRunner.query(`DROP TABLE "comfy_backends"`);
      return;
    }
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

/** Postgres: comfy_image_owners' primary key (Postgres's own name for it) over these columns. */
async function setOwnersKey(queryRunner: QueryRunner, columns: string): Promise<void> {
  await queryRunner.query(
    `ALTER TABLE "comfy_image_owners" DROP CONSTRAINT IF EXISTS "comfy_image_owners_pkey"`,
  );
  await queryRunner.query(
    `ALTER TABLE "comfy_image_owners" ADD CONSTRAINT "comfy_image_owners_pkey" PRIMARY KEY (${columns})`,
  );
}
