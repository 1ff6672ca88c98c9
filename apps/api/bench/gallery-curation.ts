/**
 * The curation figures of the gallery bench (issue 12), on the same seeded million: a smart board's
 * first page (a saved search, timed like the other searches) and a bulk tag of 100,000 images
 * chosen by a query, run on the server in its batches.
 */
import type { Board, BulkResponse } from '@atelier/contract';
import Database from 'better-sqlite3';
import { json } from './bench-kit.js';

/** The smart board a studio would keep: one model, four stars and up. */
export const smartBoardQuery = { q: 'model:sd_xl_base rating>=4' };

/** Creates the plain user's smart board; the path of its first page. */
export async function smartBoardPath(api: string, headers: Record<string, string>): Promise<string> {
  const board = await json<Board>(`${api}/api/boards`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Best SDXL', query: smartBoardQuery }),
  });
  return `/api/gallery/images?board=${board.id}`;
}

export interface BulkTiming {
  images: number;
  affected: number;
  ms: number;
}

/**
 * Tags `count` images picked by a date range (ids are kept in time order, so the range of the
 * newest `count` rows' created_at selects exactly them) as the admin, timing the one request.
 */
export async function timeBulkTag(
  api: string,
  headers: Record<string, string>,
  databasePath: string,
  count: number,
): Promise<BulkTiming> {
  const db = new Database(databasePath, { readonly: true });
  const [to, from] = db
    .prepare(
      `SELECT "created_at" FROM "gallery_images" WHERE "id" IN ((SELECT max("id") FROM "gallery_images"),
      (SELECT max("id") - ? + 1 FROM "gallery_images")) ORDER BY "id" DESC`,
    )
    .pluck()
    .all(count) as string[];
  db.close();
  const started = performance.now();
  const result = await json<BulkResponse>(`${api}/api/gallery/bulk`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify({
      selection: { query: { from, to } },
      action: { type: 'tag', tags: ['bench-bulk'] },
    }),
  });
  return { images: count, affected: result.affected, ms: performance.now() - started };
}
