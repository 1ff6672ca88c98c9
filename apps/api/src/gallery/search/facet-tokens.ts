import { shuffleBucketSize } from './sqlite-search-sql.js';

/**
 * The filter values of an image as words in its full-text row (column `facets`): `c12` checkpoint,
 * `s3` sampler, `l40` LoRA, `t7` tag, `o5` owner (dictionary or user ids), plus `r4` its rating and `h17` its shuffle bucket (for
 * keyset sorts by rating and at random with text). A text search with filters
 * then lets FTS5 intersect the posting lists (a common word with a model and a sampler reads the
 * few rows having all three), instead of fetching every row the word matches to test its columns.
 * Only `facets : …` reaches this column, so no typed word can match these tokens.
 */
export interface FacetIds {
  checkpointId: number | null;
  samplerId: number | null;
  loraIds: readonly number[];
  tagIds: readonly number[];
  ownerId: number;
  /** `r<n>`: sort=rating walks the ratings one by one. */
  rating: number;
  /** `h<bucket>`: sort=random walks the shuffle key bucket by bucket (sqlite-search-sql.ts). */
  shuffle: number;
}

export function facetTokens(ids: FacetIds): string {
  const tokens = [`o${ids.ownerId}`, `r${ids.rating}`, `h${Math.floor(ids.shuffle / shuffleBucketSize)}`];
  if (ids.checkpointId !== null) tokens.push(`c${ids.checkpointId}`);
  if (ids.samplerId !== null) tokens.push(`s${ids.samplerId}`);
  for (const id of ids.loraIds) tokens.push(`l${id}`);
  for (const id of ids.tagIds) tokens.push(`t${id}`);
  return tokens.join(' ');
}

/** The filters of a search as an FTS5 expression over `facets` (null: no filter to add). */
export function facetExpression(filters: {
  checkpointIds: number[] | null;
  samplerIds: number[] | null;
  loraIds: number[] | null;
  tagIds: number[] | null;
  ownerIds: number[] | null;
}): string | null {
  const groups: string[] = [];
  const anyOf = (prefix: string, ids: number[] | null) => {
    // An empty list matches nothing: the row conditions say so; FTS5 has no "false".
    if (ids === null || ids.length === 0) return;
    groups.push(`facets : (${ids.map((id) => `${prefix}${id}`).join(' OR ')})`);
  };
  anyOf('c', filters.checkpointIds);
  anyOf('s', filters.samplerIds);
  anyOf('l', filters.loraIds);
  anyOf('t', filters.tagIds);
  anyOf('o', filters.ownerIds);
  return groups.length === 0 ? null : groups.join(' AND ');
}
