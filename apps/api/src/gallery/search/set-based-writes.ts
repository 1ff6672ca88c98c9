import { galleryMaxTags } from '@atelier/contract';
import type { Dialect } from '../../database/dialect.js';
import { jsonIntList } from '../../database/json-list.js';
import type { SqlExecutor } from '../../database/sql.js';

/**
 * Bulk tag and rating changes as a few statements per batch, on both engines: read the batch's rows in
 * one, work out the changes in JS, write them in one or two (id lists as one JSON parameter). Row by
 * row, a batch of 5,000 would be 15,000 round trips to Postgres, and 15,000 awaited statements on SQLite.
 */
interface BatchTexts {
  readTags: string;
  writeTags: string;
  linkTags: string;
  unlinkTags: string;
  column: Record<'rating' | 'favorite', { read: string; write: string }>;
}

function textsOf(dialect: Dialect): BatchTexts {
  const ids = jsonIntList(dialect);
  const inIds = `IN (SELECT "value" FROM (${ids}) "ids")`;
  // A JSON array of {id, tags} as rows.
  const updates =
    dialect === 'sqlite'
      ? `(SELECT json_extract("value", '$.id') AS "id", json_extract("value", '$.tags') AS "tags" FROM json_each(?)) AS "v"`
      : `json_to_recordset(?::json) AS "v"("id" int, "tags" text)`;
  const column = (name: 'rating' | 'favorite') => ({
    read: `SELECT "id", "${name}" AS "value" FROM "gallery_images" WHERE "id" ${inIds}`,
    write: `UPDATE "gallery_images" SET "${name}" = ? WHERE "id" ${inIds}`,
  });
  return {
    readTags: `SELECT "id", "tag_ids" FROM "gallery_images" WHERE "id" ${inIds}`,
    writeTags: `UPDATE "gallery_images" AS "g" SET "tag_ids" = "v"."tags" FROM ${updates} WHERE "g"."id" = "v"."id"`,
    // WHERE true: SQLite would read ON CONFLICT as the join's ON otherwise.
    linkTags: `INSERT INTO "gallery_image_tags" ("term_id", "image_id")
      SELECT "t"."value", "i"."value" FROM (${ids}) "t" CROSS JOIN (${ids}) "i" WHERE true ON CONFLICT DO NOTHING`,
    unlinkTags: `DELETE FROM "gallery_image_tags"
      WHERE "term_id" IN (SELECT "value" FROM (${ids}) "t") AND "image_id" IN (SELECT "value" FROM (${ids}) "i")`,
    column: { rating: column('rating'), favorite: column('favorite') },
  };
}

const texts: Record<Dialect, BatchTexts> = { sqlite: textsOf('sqlite'), postgres: textsOf('postgres') };

/** ImageSearchIndex.changeTags's batch: the ids changed, in the order given. */
export async function changeTagsSetBased(
  tx: SqlExecutor,
  imageIds: readonly number[],
  tagIds: readonly number[],
  add: boolean,
): Promise<number[]> {
  const { readTags, writeTags, linkTags, unlinkTags } = texts[tx.dialect];
  const rows = await tx.all<{ id: number; tag_ids: string }>(readTags, [JSON.stringify(imageIds)]);
  const current = new Map(rows.map((row) => [row.id, row.tag_ids]));
  const changed: number[] = [];
  const updates: { id: number; tags: string }[] = [];
  for (const id of imageIds) {
    const text = current.get(id);
    if (text === undefined) continue;
    // An id given twice is changed once, as the row-by-row walk would (the second sees the first's tags).
    current.delete(id);
    const before = text === '' ? [] : text.split(' ').map(Number);
    const next = add
      ? [...before, ...tagIds.filter((tag) => !before.includes(tag))]
      : before.filter((tag) => !tagIds.includes(tag));
    if (next.length === before.length || next.length > galleryMaxTags) continue;
    updates.push({ id, tags: next.join(' ') });
    changed.push(id);
  }
  if (changed.length === 0) return changed;
  await tx.run(writeTags, [JSON.stringify(updates)]);
  await tx.run(add ? linkTags : unlinkTags, [JSON.stringify(tagIds), JSON.stringify(changed)]);
  return changed;
}

/** ImageSearchIndex.setColumn's batch: each image whose value changed, with its value before. */
export async function setColumnSetBased(
  tx: SqlExecutor,
  imageIds: readonly number[],
  column: 'rating' | 'favorite',
  value: number,
): Promise<{ id: number; before: number }[]> {
  const { read, write } = texts[tx.dialect].column[column];
  const rows = await tx.all<{ id: number; value: number }>(read, [JSON.stringify(imageIds)]);
  const current = new Map(rows.map((row) => [row.id, row.value]));
  const changed: { id: number; before: number }[] = [];
  for (const id of imageIds) {
    const before = current.get(id);
    if (before === undefined || before === value) continue;
    current.delete(id);
    changed.push({ id, before });
  }
  if (changed.length > 0) await tx.run(write, [value, JSON.stringify(changed.map((change) => change.id))]);
  return changed;
}
