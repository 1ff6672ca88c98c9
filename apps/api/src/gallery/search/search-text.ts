import type { SqlExecutor } from '../../database/sql.js';
import { facetTokens } from './facet-tokens.js';
import { pgSearchDocument } from './pg-search-document.js';

interface TextRow {
  p_positive: string | null;
  p_negative: string | null;
  note: string | null;
  lora_ids: string;
  checkpoint_id: number | null;
  sampler_id: number | null;
  created_by: number;
  shuffle: number;
  sha256: string;
  ext: string;
}

const readSql = `SELECT "p_positive", "p_negative", "note", "lora_ids", "checkpoint_id", "sampler_id", "created_by",
    "shuffle", "sha256", "ext" FROM "gallery_images" WHERE "id" = ?`;
const removeFtsSql = `DELETE FROM "gallery_fts" WHERE "rowid" = ?`;
const insertFtsSql = `INSERT INTO "gallery_fts" ("rowid", "text", "negative", "note", "filename", "facets")
  VALUES (?, ?, ?, ?, ?, ?)`;
const setTsvSql = `UPDATE "gallery_images" SET "search_tsv" = ?::tsvector WHERE "id" = ?`;

/**
 * Writes an image's full-text form from its current columns, through the caller's transaction: on
 * SQLite its contentless FTS5 row (replaced, never updated), on Postgres its `search_tsv` column
 * (pgSearchDocument: the words made in JS exactly as FTS5 makes them).
 */
export async function rewriteSearchText(tx: SqlExecutor, imageId: number): Promise<void> {
  const row = await tx.get<TextRow>(readSql, [imageId]);
  if (tx.dialect === 'postgres') {
    if (!row) return;
    const document = pgSearchDocument({
      positive: row.p_positive,
      negative: row.p_negative,
      note: row.note,
      filename: `${row.sha256}.${row.ext}`,
    });
    await tx.run(setTsvSql, [document, imageId]);
    return;
  }
  await tx.run(removeFtsSql, [imageId]);
  if (!row) return;
  const facets = facetTokens({
    checkpointId: row.checkpoint_id,
    samplerId: row.sampler_id,
    loraIds: idList(row.lora_ids),
    ownerId: row.created_by,
    shuffle: row.shuffle,
  });
  await tx.run(insertFtsSql, [
    imageId,
    row.p_positive ?? '',
    row.p_negative ?? '',
    row.note ?? '',
    `${row.sha256}.${row.ext}`,
    facets,
  ]);
}

function idList(text: string): number[] {
  return text === '' ? [] : text.split(' ').map(Number);
}
