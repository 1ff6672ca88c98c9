import {
  formatGalleryQuery,
  galleryFilterNames,
  mergeGalleryFilters,
  parseGalleryQuery,
  type GalleryFilterName,
  type GalleryQueryFilters,
} from '@atelier/contract';
import type { GalleryRouteSearch } from './gallery-route-query';

/** An active filter, shown as a removable chip: from the search text, or a URL parameter. */
export interface GalleryFilterChip {
  filter: GalleryFilterName;
  /** In the query syntax, e.g. `model:sdxl`. */
  label: string;
  source: 'query' | 'param';
}

const labelOf = (filter: GalleryFilterName, value: unknown): string =>
  formatGalleryQuery({ terms: [], filters: { [filter]: value } });

/** The chips of a search: the filters written in `q`, then those given as parameters. */
export function filterChips(search: GalleryRouteSearch): GalleryFilterChip[] {
  const inQuery = parseGalleryQuery(search.q ?? '').filters;
  const chips: GalleryFilterChip[] = [];
  for (const filter of galleryFilterNames) {
    const value = inQuery[filter];
    if (value !== undefined) chips.push({ filter, label: labelOf(filter, value), source: 'query' });
  }
  for (const filter of galleryFilterNames) {
    const value = search[filter];
    if (value !== undefined && inQuery[filter] === undefined)
      chips.push({ filter, label: labelOf(filter, value), source: 'param' });
  }
  return chips;
}

function rewriteQuery(q: string | undefined, edit: (filters: GalleryQueryFilters) => void): string {
  const parsed = parseGalleryQuery(q ?? '');
  edit(parsed.filters);
  return formatGalleryQuery(parsed);
}

function withQ(search: GalleryRouteSearch, q: string): GalleryRouteSearch {
  const { q: _old, ...rest } = search;
  return q ? { ...rest, q } : rest;
}

/**
 * The search without a chip's filter. A filter in the text is removed from it (the text is
 * rewritten in canonical form, dropping anything that did not apply anyway).
 */
export function withoutChip(search: GalleryRouteSearch, chip: GalleryFilterChip): GalleryRouteSearch {
  const next: GalleryRouteSearch = { ...search };
  delete next[chip.filter];
  if (chip.source === 'param') return next;
  return withQ(
    next,
    rewriteQuery(search.q, (filters) => delete filters[chip.filter]),
  );
}

/**
 * The search with a filter set (a facet clicked): written into the text, so the search box shows
 * it and it reads like one typed; a parameter for the same filter is replaced.
 */
export function withFilter(
  search: GalleryRouteSearch,
  filter: GalleryFilterName,
  value: string,
): GalleryRouteSearch {
  const next: GalleryRouteSearch = { ...search };
  delete next[filter];
  return withQ(
    next,
    rewriteQuery(search.q, (filters) => {
      (filters as Record<string, unknown>)[filter] = value;
    }),
  );
}

/** Every filter in force, from the text and the parameters (the text wins a disagreement, as in the API). */
export function activeFilters(search: GalleryRouteSearch): GalleryQueryFilters {
  return mergeGalleryFilters(parseGalleryQuery(search.q ?? '').filters, search).filters;
}
