import { galleryMaxTags } from '@atelier/contract';
import { jsonIntList } from '../../database/json-list.js';
import type { SqlExecutor } from '../../database/sql.js';

/**
 * Bulk tag and rating changes on Postgres as a few statements per batch: read the batch's rows in one,
 * work out the changes in JS, write them in one or two. Row by row, a batch of 5,000 would be 15,000
 * round trips to the server; SQLite keeps its row-by-row prepared statements (in-process, no trip).
 */
const ids = jsonIntList('postgres');
const readTagsSql = `SELECT "id", "tag_ids" FROM "gallery_images" WHERE "id" IN (SELECT "value" FROM (${ids}) "ids")`;
const writeTagsSql = `UPDATE "gallery_images" AS "g" SET "tag_ids" = "v"."tags"
  FROM json_to_recordset(?::json) AS "v"("id" int, "tags" text) WHERE "g"."id" = "v"."id"`;
const linkTagsSql = `INSERT INTO "gallery_image_tags" ("term_id", "image_id")
  SELECT "t"."value", "i"."value" FROM (${ids}) "t" CROSS JOIN (${ids}) "i" ON CONFLICT DO NOTHING`;
const unlinkTagsSql = `DELETE FROM "gallery_image_tags"
  WHERE "term_id" IN (SELECT "value" FROM (${ids}) "t") AND "image_id" IN (SELECT "value" FROM (${ids}) "i")`;
const columnSql = {
  rating: {
    read: `SELECT "id", "rating" AS "value" FROM "gallery_images" WHERE "id" IN (SELECT "value" FROM (${ids}) "ids")`,
    write: `UPDATE "gallery_images" SET "rating" = ? WHERE "id" IN (SELECT "value" FROM (${ids}) "ids")`,
  },
  favorite: {
    read: `SELECT "id", "favorite" AS "value" FROM "gallery_images" WHERE "id" IN (SELECT "value" FROM (${ids}) "ids")`,
    write: `UPDATE "gallery_images" SET "favorite" = ? WHERE "id" IN (SELECT "value" FROM (${ids}) "ids")`,
  },
} as const;

/** ImageSearchIndex.changeTags's batch on Postgres: the same rules, the ids changed in the order given. */
export async function changeTagsSetBased(
  tx: SqlExecutor,
  imageIds: readonly number[],
  tagIds: readonly number[],
  add: boolean,
): Promise<number[]> {
  const rows = await tx.all<{ id: number; tag_ids: string }>(readTagsSql, [JSON.stringify(imageIds)]);
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
  await tx.run(writeTagsSql, [JSON.stringify(updates)]);
  await tx.run(add ? linkTagsSql : unlinkTagsSql, [JSON.stringify(tagIds), JSON.stringify(changed)]);
  return changed;
}

/** ImageSearchIndex.setColumn's batch on Postgres: each image whose value changed, with its value before. */
export async function setColumnSetBased(
  tx: SqlExecutor,
  imageIds: readonly number[],
  column: 'rating' | 'favorite',
  value: number,
): Promise<{ id: number; before: number }[]> {
  const { read, write } = columnSql[column];
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
