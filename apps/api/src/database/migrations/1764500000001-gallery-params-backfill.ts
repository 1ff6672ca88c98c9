import type { ImageParams } from '@atelier/contract';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { GalleryTerms } from '../../gallery/search/gallery-terms.js';
import { imageParamsOf } from '../../gallery/search/image-params.js';
import { parseObject } from '../../gallery/gallery-views.js';
import { ImageSearchIndex, unknownParams } from '../../gallery/search/image-search-index.js';
import { dialectOf } from '../dialect.js';
import { queryRunnerSql } from '../query-runner-sql.js';
import type { SqlExecutor } from '../sql.js';

/** Rows per read: a row may carry a large workflow, so a batch stays a few megabytes at most. */
const batchSize = 200;

const nextRowsSql = `SELECT "i"."id", "i"."created_by", "i"."params_json", "i"."workflow_json",
    "j"."params" AS "job_params", "j"."workflow" AS "job_workflow", "j"."template_id", "j"."template_version"
  FROM "gallery_images" "i"
  LEFT JOIN "comfy_jobs" "j" ON "j"."prompt_id" = "i"."prompt_id"
  WHERE "i"."id" > ? ORDER BY "i"."id" LIMIT ?`;

interface BackfillRow {
  id: number;
  created_by: number;
  params_json: string | null;
  workflow_json: string | null;
  job_params: string | null;
  job_workflow: string | null;
  template_id: string | null;
  template_version: string | null;
}

/**
 * Issue 11's searchable parameters for the images kept before it: each row is read from its own
 * provenance (the txt2img request, then the API prompt that ran, falling back to the ledger's job
 * for either) and written exactly as ingest writes it (ImageSearchIndex.setParams), which also
 * gives every image its full-text row — the file name is searchable even when nothing else is
 * known — and a random `shuffle` key.
 *
 * Not known here, so left null: the ComfyUI backend (the wiring is configuration, not data), and
 * the embedded PNG chunks of old uploads without a job (the image directory is configuration too;
 * a migration must not guess it). Those uploads are indexed with source `none`; re-reading them
 * would belong in the gallery module, where GalleryStorage knows the directory: rows with
 * `p_source = 'none'`, `mime = 'image/png'` and no ledger job, re-indexed through imageParamsOf
 * with their bytes.
 *
 * One transaction per batch rather than TypeORM's one for the migration: a gallery of a million
 * images would otherwise be a single write of most of the database. Rewriting a row is
 * idempotent, so a backfill cut short (the migration is only recorded once it completes) simply
 * runs again at the next boot. (setParams runs on the migration's QueryRunner and its transactions
 * join the batch's; run under an outer transaction, the batches become savepoints of it, which also works.)
 *
 * Reusing setParams ties this migration to today's code: setParams may only write what
 * GallerySearch1764500000000 created (later migrations run after this one).
 * test/gallery-params-backfill.api.spec.ts boots a database made up to GallerySearch to hold that.
 *
 * Nothing to do on Postgres: a Postgres database is made by running every migration on an empty
 * database, so no image predates the search columns.
 */
export class GalleryParamsBackfill1764500000001 implements MigrationInterface {
  name = 'GalleryParamsBackfill1764500000001';
  // Batches commit on their own (see above); TypeORM's "each" mode honours this.
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    if (dialectOf(queryRunner) === 'postgres') return;
    const sql = queryRunnerSql(queryRunner);
    // setParams's transaction joins the batch's (below) on the migration's own connection.
    const index = new ImageSearchIndex(
      { ...sql, transaction: <T>(fn: (tx: SqlExecutor) => Promise<T>) => fn(sql) },
      new GalleryTerms(sql),
    );
    let after = 0;
    for (;;) {
      // Whole rows of one id range at a time, read before the batch's writes.
      const rows = await sql.all<BackfillRow>(nextRowsSql, [after, batchSize]);
      await queryRunner.startTransaction();
      try {
        for (const row of rows) {
          await index.setParams(
            { id: row.id, createdBy: row.created_by, hasWorkflow: row.workflow_json !== null },
            paramsOfRow(row),
          );
        }
        await queryRunner.commitTransaction();
      } catch (error) {
        if (queryRunner.isTransactionActive) await queryRunner.rollbackTransaction();
        throw error;
      }
      const last = rows[rows.length - 1];
      if (!last || rows.length < batchSize) break;
      after = last.id;
    }
  }

  /** The columns it filled belong to GallerySearch1764500000000, whose `down` drops them. */
  down(): Promise<void> {
    return Promise.resolve();
  }
}

function paramsOfRow(row: BackfillRow): ImageParams {
  try {
    return imageParamsOf({
      params: parseObject(row.params_json) ?? parseObject(row.job_params),
      workflow: parseObject(row.workflow_json) ?? parseObject(row.job_workflow),
      png: null,
      template_id: row.template_id,
      template_version: row.template_version,
      backend: null,
      backend_version: null,
    });
  } catch {
    // One image whose provenance defeats the walk must not stop the upgrade: it stays findable by name.
    return unknownParams();
  }
}
