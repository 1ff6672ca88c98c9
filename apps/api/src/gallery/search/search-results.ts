import type { GallerySearchItem, ImageLora, ImageParams } from '@atelier/contract';
import type { GalleryTerms, TermValues } from './gallery-terms.js';
import type { ResultRow } from './sqlite-search-sql.js';

/** Search rows → the contract's items, in the same order. */
export async function toSearchItems(
  rows: readonly ResultRow[],
  terms: GalleryTerms,
): Promise<GallerySearchItem[]> {
  // Mapped with what is in memory first (nearly always all of it): no pass just to list the ids.
  let missed = false;
  const cached = terms.cached();
  const lookup: TermValues = {
    valueOf: (id) => {
      const value = cached.valueOf(id);
      if (value === null) missed = true;
      return value;
    },
  };
  const items = rows.map((row) => toSearchItem(row, lookup));
  if (!missed) return items;
  // A value added since this process last read the dictionary (another replica's ingest): read, map again.
  const values = await terms.values(rows.flatMap(termIdsOf));
  return rows.map((row) => toSearchItem(row, values));
}

/** The dictionary ids a row names. */
function termIdsOf(row: ResultRow): number[] {
  const ids = [row.checkpoint_id, row.sampler_id, row.scheduler_id].filter((id) => id !== null);
  return row.tag_ids === '' ? ids : [...ids, ...row.tag_ids.split(' ').map(Number)];
}

/** A search row → the contract's item (stack added by the caller); `terms` holds its values already. */
export function toSearchItem(row: ResultRow, terms: TermValues): GallerySearchItem {
  const url = `/api/gallery/images/${row.id}`;
  return {
    id: row.id,
    sha256: row.sha256,
    mime: row.mime,
    bytes: row.bytes,
    width: row.width,
    height: row.height,
    prompt_id: row.prompt_id,
    created_at: row.created_at,
    created_by: { id: row.created_by, username: row.owner_username ?? '' },
    file_url: `${url}/file`,
    thumbnail_url: `${url}/thumbnail`,
    params: paramsOf(row, terms),
    rating: row.rating,
    favorite: row.favorite === 1,
    tags: tagsOf(row.tag_ids, terms),
    status: row.status,
  };
}

export function paramsOf(row: ResultRow, terms: TermValues): ImageParams {
  const term = (id: number | null) => (id === null ? null : terms.valueOf(id));
  return {
    positive: row.p_positive,
    negative: row.p_negative,
    checkpoint: term(row.checkpoint_id),
    loras: lorasOf(row.loras_json),
    sampler: term(row.sampler_id),
    scheduler: term(row.scheduler_id),
    steps: row.p_steps,
    cfg: row.p_cfg,
    seed: row.p_seed,
    denoise: row.p_denoise,
    width: row.p_width,
    height: row.p_height,
    template_id: row.p_template_id,
    template_version: row.p_template_version,
    backend: row.p_backend,
    backend_version: row.p_backend_version,
    source: row.p_source,
  };
}

export function tagsOf(tagIds: string, terms: TermValues): string[] {
  if (tagIds === '') return [];
  return tagIds
    .split(' ')
    .map((id) => terms.valueOf(Number(id)))
    .filter((tag): tag is string => tag !== null);
}

/** Written by ImageSearchIndex; a damaged value reads as no LoRAs rather than failing the page. */
function lorasOf(json: string): ImageLora[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? (value as ImageLora[]) : [];
  } catch {
    return [];
  }
}
