import {
  galleryAspects,
  gallerySorts,
  galleryStatusFilters,
  type GalleryAspect,
  type GallerySearchQuery,
  type GallerySort,
  type GalleryStatusFilter,
} from '@atelier/contract';

/** What the gallery URL holds: the search, and "more like" an image in place of a search. */
export interface GalleryRouteState {
  search: GalleryRouteSearch;
  /** `?similar=42`: the images like image 42 instead of the search results. */
  similar: number | null;
}

/** The search as the URL keeps it: filters, sort and stacking, but never a page or a stack. */
export type GalleryRouteSearch = Omit<GallerySearchQuery, 'cursor' | 'limit' | 'stack'>;

/** A vue-router query, loosely: each key a string, several, or null. */
export type RouteQueryLike = Record<string, string | null | (string | null)[] | undefined>;

const textKeys = ['q', 'checkpoint', 'lora', 'sampler', 'owner', 'tag', 'from', 'to', 'size'] as const;
const intKeys = ['seed', 'min_rating', 'board', 'seed_order'] as const;

/** The URL order of every key, so the same search always makes the same URL. */
const keyOrder = [
  'q',
  ...textKeys.slice(1),
  ...intKeys,
  'status',
  'aspect',
  'has_workflow',
  'sort',
  'stacks',
] as const;

function first(value: RouteQueryLike[string]): string | null {
  const one = Array.isArray(value) ? value[0] : value;
  return typeof one === 'string' ? one : null;
}

function oneOf<T extends string>(list: readonly T[], value: string | null): T | undefined {
  return list.find((item) => item === value);
}

// Digits only: "1e3", "+1" or " 7" in a hand-edited URL are dropped rather than guessed at.
function integer(value: string | null): number | undefined {
  if (value === null || !/^\d{1,15}$/.test(value)) return undefined;
  return Number(value);
}

function flag(value: string | null): boolean | undefined {
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  return undefined;
}

/** Reads the gallery state from the route's query; anything malformed is left out. */
export function galleryStateFromRoute(query: RouteQueryLike): GalleryRouteState {
  const search: GalleryRouteSearch = {};
  for (const key of textKeys) {
    const value = first(query[key])?.trim();
    if (value) search[key] = value;
  }
  for (const key of intKeys) {
    const value = integer(first(query[key]));
    if (value !== undefined) search[key] = value;
  }
  const status: GalleryStatusFilter | undefined = oneOf(galleryStatusFilters, first(query.status));
  if (status) search.status = status;
  const aspect: GalleryAspect | undefined = oneOf(galleryAspects, first(query.aspect));
  if (aspect) search.aspect = aspect;
  const hasWorkflow = flag(first(query.has_workflow));
  if (hasWorkflow !== undefined) search.has_workflow = hasWorkflow;
  const sort: GallerySort | undefined = oneOf(gallerySorts, first(query.sort));
  if (sort && sort !== 'newest') search.sort = sort;
  if (flag(first(query.stacks)) === false) search.stacks = false;
  const similar = integer(first(query.similar));
  return { search, similar: similar && similar > 0 ? similar : null };
}

/**
 * The route query for a state: defaults (newest, stacks on) are left out, keys in a fixed order.
 * `extra` keeps keys the gallery does not own (the open `image`).
 */
export function routeFromGalleryState(
  state: GalleryRouteState,
  extra: Record<string, string> = {},
): Record<string, string> {
  const query: Record<string, string> = {};
  const { search } = state;
  for (const key of keyOrder) {
    const value = search[key];
    if (value === undefined || value === '') continue;
    if (key === 'sort' && value === 'newest') continue;
    if (key === 'stacks') {
      if (value === false) query.stacks = '0';
      continue;
    }
    query[key] = typeof value === 'boolean' ? (value ? '1' : '0') : String(value);
  }
  if (state.similar !== null) query.similar = String(state.similar);
  return { ...query, ...extra };
}

/** One string per distinct state: two routes show the same results exactly when their keys match. */
export function galleryStateKey(state: GalleryRouteState): string {
  return new URLSearchParams(routeFromGalleryState(state)).toString();
}

/** The API's query string for a search page (stacks is sent explicitly: its default is on). */
export function searchParamsOf(query: GallerySearchQuery): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query) as [string, unknown][]) {
    if (value === undefined || value === null || value === '') continue;
    if (typeof value === 'boolean') params.set(key, value ? '1' : '0');
    else if (typeof value === 'string' || typeof value === 'number') params.set(key, String(value));
  }
  return params;
}
