import { shuffleBucketSize } from './sqlite-search-sql.js';

/**
 * The filter values of an image that never change after ingest, as words in its full-text row
 * (column `facets`): `c12` checkpoint, `s3` sampler, `l40` LoRA, `o5` owner (dictionary or user ids)
 * and `h17` its shuffle bucket (sort=random with text). A text search with filters then lets FTS5
 * intersect posting lists (a common word with a model and a sampler reads the few rows having all
 * three) instead of fetching every row the word matches to test its columns. Curation (tags,
 * ratings) stays out: rewriting a full-text row costs ~1 ms, and a bulk tag touches 100,000.
 * Only `facets : …` reaches this column, so no typed word can match these tokens.
 */
export interface FacetIds {
  checkpointId: number | null;
  samplerId: number | null;
  loraIds: readonly number[];
  ownerId: number;
  shuffle: number;
}

export function facetTokens(ids: FacetIds): string {
  const tokens = [`o${ids.ownerId}`, `h${Math.floor(ids.shuffle / shuffleBucketSize)}`];
  if (ids.checkpointId !== null) tokens.push(`c${ids.checkpointId}`);
  if (ids.samplerId !== null) tokens.push(`s${ids.samplerId}`);
  for (const id of ids.loraIds) tokens.push(`l${id}`);
  return tokens.join(' ');
}

/** The filters of a search as an FTS5 expression over `facets` (null: no filter to add). */
export function facetExpression(filters: {
  checkpointIds: number[] | null;
  samplerIds: number[] | null;
  loraIds: number[] | null;
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
  anyOf('o', filters.ownerIds);
  return groups.length === 0 ? null : groups.join(' AND ');
}
