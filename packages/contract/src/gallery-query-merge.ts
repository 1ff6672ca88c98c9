/**
 * One set of filters from the two ways the API takes them: inside `q` (`model:sdxl`) and as query
 * parameters (`?checkpoint=sdxl`). Both must hold, so the same value twice is fine and two
 * different values are a conflict the caller reports (the search could only come back empty).
 */
import type { GalleryFilters } from './gallery-search.js';
import { formatFilter, galleryQueryKeys } from './gallery-query-keys.js';
import type { GalleryFilterName, GalleryQueryFilters } from './gallery-query-types.js';

/** Every structured filter of GalleryFilters (all but `q`), in the order of `galleryQueryKeys`. */
export const galleryFilterNames: readonly GalleryFilterName[] = galleryQueryKeys.flatMap((k) =>
  k.filter === null ? [] : [k.filter],
);

/** A filter given in `q` and as a parameter with different values. */
export interface GalleryFilterConflict {
  filter: GalleryFilterName;
  fromQuery: unknown;
  fromParams: unknown;
  message: string;
}

/**
 * Combines the filters parsed from `q` with the request's separate parameters. Only the filter
 * fields of `fromParams` are read (so a whole GallerySearchQuery may be passed; its `q`, `sort`,
 * `cursor`… are ignored). On a conflict the value from `q` is kept and the conflict listed.
 */
export function mergeGalleryFilters(
  fromQuery: GalleryQueryFilters,
  fromParams: GalleryFilters,
): { filters: GalleryQueryFilters; conflicts: GalleryFilterConflict[] } {
  const merged: Record<string, unknown> = {};
  const conflicts: GalleryFilterConflict[] = [];
  for (const name of galleryFilterNames) {
    const inQuery = fromQuery[name];
    const inParams = fromParams[name];
    if (inQuery !== undefined && inParams !== undefined && inQuery !== inParams) {
      conflicts.push({
        filter: name,
        fromQuery: inQuery,
        fromParams: inParams,
        message: `${formatFilter(name, inQuery)} in the search and ${name}=${String(inParams)} disagree`,
      });
    }
    const value = inQuery ?? inParams;
    if (value !== undefined) merged[name] = value;
  }
  return { filters: merged, conflicts };
}
