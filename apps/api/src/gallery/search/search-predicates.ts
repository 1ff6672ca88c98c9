import type { GalleryAspect, GalleryStatusFilter, ImageStatus } from '@atelier/contract';
import type { Dialect } from '../../database/dialect.js';

/** Who is searching: a plain user sees approved images and their own; curators and admins see all. */
export interface Viewer {
  id: number;
  seesAll: boolean;
}

/** The one visibility rule, for a single image (rowConditions applies it in SQL). */
export function canView(
  viewer: Viewer,
  image: { createdBy: number; status: ImageStatus; trashed: boolean },
): boolean {
  if (image.trashed) return false;
  return viewer.seesAll || image.status === 'approved' || image.createdBy === viewer.id;
}

/**
 * Who may change an image (curate, trash, restore it): its owner, curators and admins. The one
 * rule; visibility (canView) comes first.
 */
export function mayManage(viewer: Viewer, createdBy: number): boolean {
  return viewer.seesAll || createdBy === viewer.id;
}

/**
 * A search with every name resolved to ids: `null` is "no such filter", an empty list is "a filter
 * nothing can match" (e.g. `model:` naming no known checkpoint).
 */
export interface ResolvedSearch {
  /** The engine's text expressions (GallerySearchEngine.textQuery: FTS5 or tsquery). */
  include: string | null;
  exclude: string | null;
  checkpointIds: number[] | null;
  loraIds: number[] | null;
  samplerIds: number[] | null;
  tagIds: number[] | null;
  ownerIds: number[] | null;
  seed: number | null;
  /** created_at bounds, ISO timestamps: from inclusive, to exclusive. */
  from: string | null;
  to: string | null;
  minRating: number | null;
  /** `trashed` searches the trash instead of the gallery. */
  status: GalleryStatusFilter | null;
  size: { width: number; height: number } | null;
  aspect: GalleryAspect | null;
  hasWorkflow: boolean | null;
  /** One stack's members. */
  stackKey: string | null;
  /** A manual board's images. */
  boardId: number | null;
  /**
   * Text terms that also match tag names: each holds when the full-text row matches `match` or the
   * image carries one of `tagIds` (negated: neither). The other terms are in `include`/`exclude`.
   */
  tagTerms: { match: string; tagIds: number[]; negated: boolean }[];
  viewer: Viewer;
}

/** A search with no filter and no text, for `viewer`: the base others spread their filters over. */
export function unfiltered(viewer: Viewer): ResolvedSearch {
  return {
    include: null,
    exclude: null,
    checkpointIds: null,
    loraIds: null,
    samplerIds: null,
    tagIds: null,
    ownerIds: null,
    seed: null,
    from: null,
    to: null,
    minRating: null,
    status: null,
    size: null,
    aspect: null,
    hasWorkflow: null,
    stackKey: null,
    boardId: null,
    tagTerms: [],
    viewer,
  };
}

export interface Sql {
  sql: string;
  params: unknown[];
}

/**
 * The row conditions of a search on the alias `a` (gallery_images), text excluded: the same
 * conditions decide an image's stack mates, so they are written once for any alias. On Postgres the
 * SQLite planner hints go (unary `+`), `FALSE` replaces `0`, and a tag alternative's text matches
 * the row's `search_tsv` (its `match` is then a tsquery) instead of the FTS5 table.
 */
export function rowConditions(search: ResolvedSearch, a: string, dialect: Dialect = 'sqlite'): Sql {
  const sqlite = dialect === 'sqlite';
  const none = sqlite ? '0' : 'FALSE';
  // Unary + keeps a column out of SQLite's index choice (reasons below); Postgres plans without it.
  const hint = sqlite ? '+' : '';
  const inTrash = search.status === 'trashed';
  const where: string[] = [inTrash ? `${a}."trashed_at" IS NOT NULL` : `${a}."trashed_at" IS NULL`];
  const params: unknown[] = [];
  const add = (sql: string, ...values: unknown[]) => {
    where.push(sql);
    params.push(...values);
  };
  const anyOf = (column: string, ids: number[] | null) => {
    if (ids === null) return;
    if (ids.length === 0) add(none);
    // One value: its index (value, id) hands out rows newest first. Several: the index would hand
    // out one value's rows after another and every match would be sorted (`model:sd_xl` naming
    // three checkpoints sorted 170,000 rows); walking by id and testing stays O(page).
    else if (ids.length === 1) add(`${a}."${column}" = ?`, ids[0]);
    else add(`${hint}${a}."${column}" IN (${ids.map(() => '?').join(', ')})`, ...ids);
  };
  const linked = (table: string, ids: number[] | null) => {
    if (ids === null) return;
    if (ids.length === 0) return add(none);
    add(
      `EXISTS (SELECT 1 FROM "${table}" "link" WHERE "link"."term_id" IN (${ids.map(() => '?').join(', ')}) AND "link"."image_id" = ${a}."id")`,
      ...ids,
    );
  };
  // A plain user's trash holds only their own images, whatever their review state.
  if (!search.viewer.seesAll && inTrash) add(`${a}."created_by" = ?`, search.viewer.id);
  // Unary + keeps these columns out of index choice: an OR over two indexes (status, owner) would
  // make SQLite union them and sort every visible row, instead of walking the newest first.
  else if (!search.viewer.seesAll)
    add(`(${hint}${a}."status" = 'approved' OR ${hint}${a}."created_by" = ?)`, search.viewer.id);
  anyOf('checkpoint_id', search.checkpointIds);
  anyOf('sampler_id', search.samplerIds);
  anyOf('created_by', search.ownerIds);
  linked('gallery_image_loras', search.loraIds);
  linked('gallery_image_tags', search.tagIds);
  if (search.seed !== null) add(`${a}."p_seed" = ?`, search.seed);
  if (search.from !== null) add(`${a}."created_at" >= ?`, search.from);
  if (search.to !== null) add(`${a}."created_at" < ?`, search.to);
  // Unary +: a range on the rating index would come out in rating order, and sorting every rated
  // image by id cost a smart board (`rating>=4`) 355 ms; walking by id and testing is O(page).
  if (search.minRating !== null) add(`${hint}${a}."rating" >= ?`, search.minRating);
  if (search.status !== null && !inTrash) add(`${a}."status" = ?`, search.status);
  if (search.size !== null)
    add(`${a}."width" = ? AND ${a}."height" = ?`, search.size.width, search.size.height);
  if (search.aspect === 'square') add(`${a}."width" = ${a}."height"`);
  if (search.aspect === 'portrait') add(`${a}."height" > ${a}."width"`);
  if (search.aspect === 'landscape') add(`${a}."width" > ${a}."height"`);
  if (search.hasWorkflow !== null) add(`${a}."has_workflow" = ?`, search.hasWorkflow ? 1 : 0);
  if (search.stackKey !== null) add(`${a}."stack_key" = ?`, search.stackKey);
  for (const term of search.tagTerms) {
    const text = sqlite
      ? `${a}."id" IN (SELECT "rowid" FROM "gallery_fts" WHERE "gallery_fts" MATCH ?)`
      : `${a}."search_tsv" @@ ?::tsquery`;
    const either = `(${text} OR EXISTS (
      SELECT 1 FROM "gallery_image_tags" "tagged" WHERE "tagged"."term_id" IN (${term.tagIds.map(() => '?').join(', ')})
      AND "tagged"."image_id" = ${a}."id"))`;
    add(term.negated ? `NOT ${either}` : either, term.match, ...term.tagIds);
  }
  if (search.boardId !== null) {
    add(
      `EXISTS (SELECT 1 FROM "board_images" "on_board" WHERE "on_board"."board_id" = ? AND "on_board"."image_id" = ${a}."id")`,
      search.boardId,
    );
  }
  return { sql: where.join(' AND '), params };
}

/** A stack shows once, as its newest member among the matches. */
export function stackCoverCondition(search: ResolvedSearch, dialect: Dialect = 'sqlite'): Sql {
  const mates = rowConditions(search, 'mate', dialect);
  // INDEXED BY: with a filter on a column that has its own index (sampler, owner…), SQLite may walk
  // that instead of the image's few stack mates. Postgres has no such clause (nor the need).
  const indexed = dialect === 'sqlite' ? ' INDEXED BY "ix_gallery_images_stack"' : '';
  return {
    sql: `("i"."stack_key" IS NULL OR NOT EXISTS (SELECT 1 FROM "gallery_images" "mate"${indexed}
      WHERE "mate"."stack_key" = "i"."stack_key" AND "mate"."id" > "i"."id" AND ${mates.sql}))`,
    params: mates.params,
  };
}
