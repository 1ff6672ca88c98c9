import type { MigrationInterface, QueryRunner } from 'typeorm';
import { ddl, dialectOf } from '../dialect.js';

/**
 * Searchable gallery (issue 11): each image's generation parameters as columns, a dictionary of
 * the values filters and facets count (checkpoints, samplers, LoRAs, tags), the curation fields the
 * filters read (status, rating, favourite, note), auto-stack keys, and an FTS5 index.
 *
 * - Newest/oldest is the row id (insertion order, which is when the image was kept): the FTS index
 *   hands out rowids in that order, so text search and keyset pages share one order.
 * - Checkpoints, samplers and schedulers are dictionary ids: integers compare and count faster,
 *   and a substring filter (`model:sdxl`) resolves against the small dictionary, not a million rows.
 * - `lora_ids` and `tag_ids` repeat the link tables as space-separated ids on the row, so facets
 *   count them from the same scan that reads the other columns; the link tables serve the filters.
 * - `gallery_fts` is contentless (the text lives in the row): one copy of every prompt, not two.
 *   Column `text` holds the positive prompt, `negative` the negative one, `facets` the filter values as
 *   tokens (search/facet-tokens.ts) so text + filters intersect inside FTS5.
 * - `shuffle` is a random key per image: `sort=random` walks it from a seed-chosen start.
 *
 * On Postgres there is no FTS5: the row carries its own document instead, `search_tsv` (a tsvector
 * with a GIN index; no trigger, a deleted row takes its words with it). Its writer and reader are the
 * Postgres search engine's (design: positive prompt weight A, note B, file name C, negative prompt D,
 * words made in JS by ftsWords so they equal FTS5's tokens); the facet tokens are not needed there,
 * filters stay plain column predicates.
 */
export class GallerySearch1764500000000 implements MigrationInterface {
  name = 'GallerySearch1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const dialect = dialectOf(queryRunner);
    const t = ddl(dialect);
    await queryRunner.query(`
      CREATE TABLE "gallery_terms" (
        "id" ${t.id},
        "kind" text NOT NULL CHECK ("kind" IN ('checkpoint', 'sampler', 'scheduler', 'lora', 'tag')),
        "value" text NOT NULL
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "ux_gallery_terms" ON "gallery_terms" ("kind", "value")`);
    const columns = [
      `"status" text NOT NULL DEFAULT ('approved') CHECK ("status" IN ('private', 'pending', 'approved', 'rejected'))`,
      `"rating" integer NOT NULL DEFAULT (0) CHECK ("rating" BETWEEN 0 AND 5)`,
      `"favorite" integer NOT NULL DEFAULT (0)`,
      `"note" text`,
      `"trashed_at" text`,
      `"p_source" text NOT NULL DEFAULT ('none')`,
      `"p_positive" text`,
      `"p_negative" text`,
      `"checkpoint_id" integer`,
      `"sampler_id" integer`,
      `"scheduler_id" integer`,
      `"p_steps" integer`,
      `"p_cfg" ${t.real}`,
      `"p_seed" integer`,
      `"p_denoise" ${t.real}`,
      `"p_width" integer`,
      `"p_height" integer`,
      `"p_template_id" text`,
      `"p_template_version" text`,
      `"p_backend" text`,
      `"p_backend_version" text`,
      `"loras_json" text NOT NULL DEFAULT ('[]')`,
      `"lora_ids" text NOT NULL DEFAULT ('')`,
      `"tag_ids" text NOT NULL DEFAULT ('')`,
      `"has_workflow" integer NOT NULL DEFAULT (0)`,
      `"stack_key" text`,
      `"shuffle" integer NOT NULL DEFAULT (0)`,
    ];
    for (const column of columns) {
      await queryRunner.query(`ALTER TABLE "gallery_images" ADD COLUMN ${column}`);
    }
    // Images kept before this migration (SQLite only: a Postgres database starts empty, see ComfyImageOwners).
    if (dialect === 'sqlite') {
      await queryRunner.query(
        `UPDATE "gallery_images" SET "has_workflow" = ("workflow_json" IS NOT NULL), "shuffle" = ${t.randomInt31}`,
      );
    }
    for (const [name, on] of [
      ['checkpoint', '"checkpoint_id", "id"'],
      ['sampler', '"sampler_id", "id"'],
      ['seed', '"p_seed", "id"'],
      ['owner', '"created_by", "id"'],
      ['rating', '"rating", "id"'],
      ['status', '"status", "id"'],
      ['stack', '"stack_key", "id"'],
      ['shuffle', '"shuffle", "id"'],
      ['size', '"width", "height", "id"'],
    ]) {
      await queryRunner.query(`CREATE INDEX "ix_gallery_images_${name}" ON "gallery_images" (${on})`);
    }
    // Filter by LoRA or tag: (term, image) is the key; (image) finds an image's links to rewrite them.
    for (const link of ['loras', 'tags']) {
      const weight = link === 'loras' ? `"weight" ${t.real} NOT NULL,` : '';
      await queryRunner.query(`
        CREATE TABLE "gallery_image_${link}" (
          "term_id" integer NOT NULL REFERENCES "gallery_terms" ("id"),
          "image_id" integer NOT NULL REFERENCES "gallery_images" ("id") ON DELETE CASCADE,
          ${weight}
          PRIMARY KEY ("term_id", "image_id")
        ) ${t.withoutRowid}`);
      await queryRunner.query(
        `CREATE INDEX "ix_gallery_image_${link}_image" ON "gallery_image_${link}" ("image_id")`,
      );
    }
    if (dialect === 'postgres') {
      await queryRunner.query(
        `ALTER TABLE "gallery_images" ADD COLUMN "search_tsv" tsvector NOT NULL DEFAULT ''::tsvector`,
      );
      await queryRunner.query(
        `CREATE INDEX "ix_gallery_images_search" ON "gallery_images" USING gin ("search_tsv")`,
      );
      return;
    }
    await queryRunner.query(`
      CREATE VIRTUAL TABLE "gallery_fts" USING fts5(
        "text", "negative", "note", "filename", "facets",
        content='', contentless_delete=1, tokenize='unicode61 remove_diacritics 2', prefix='2 3'
      )`);
    // Document frequencies of words, for "more like this" to pick a prompt's distinctive words.
    await queryRunner.query(`CREATE VIRTUAL TABLE "gallery_fts_vocab" USING fts5vocab('gallery_fts', 'row')`);
    // Whoever deletes a row (a purge, a test), its words leave the index with it.
    await queryRunner.query(`
      CREATE TRIGGER "gallery_images_fts_delete" AFTER DELETE ON "gallery_images"
      BEGIN DELETE FROM "gallery_fts" WHERE "rowid" = old."id"; END`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (dialectOf(queryRunner) === 'postgres') {
      await queryRunner.query(`DROP INDEX "ix_gallery_images_search"`);
      await queryRunner.query(`ALTER TABLE "gallery_images" DROP COLUMN "search_tsv"`);
    } else {
      await queryRunner.query(`DROP TRIGGER "gallery_images_fts_delete"`);
      await queryRunner.query(`DROP TABLE "gallery_fts_vocab"`);
      await queryRunner.query(`DROP TABLE "gallery_fts"`);
    }
    await queryRunner.query(`DROP TABLE "gallery_image_tags"`);
    await queryRunner.query(`DROP TABLE "gallery_image_loras"`);
    for (const name of [
      'checkpoint',
      'sampler',
      'seed',
      'owner',
      'rating',
      'status',
      'stack',
      'shuffle',
      'size',
    ]) {
      await queryRunner.query(`DROP INDEX "ix_gallery_images_${name}"`);
    }
    for (const column of [
      'status',
      'rating',
      'favorite',
      'note',
      'trashed_at',
      'p_source',
      'p_positive',
      'p_negative',
      'checkpoint_id',
      'sampler_id',
      'scheduler_id',
      'p_steps',
      'p_cfg',
      'p_seed',
      'p_denoise',
      'p_width',
      'p_height',
      'p_template_id',
      'p_template_version',
      'p_backend',
      'p_backend_version',
      'loras_json',
      'lora_ids',
      'tag_ids',
      'has_workflow',
      'stack_key',
      'shuffle',
    ]) {
      await queryRunner.query(`ALTER TABLE "gallery_images" DROP COLUMN "${column}"`);
    }
    await queryRunner.query(`DROP TABLE "gallery_terms"`);
  }
}
