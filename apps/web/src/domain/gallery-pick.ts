import type { GalleryFilters, GallerySearchQuery, GallerySelection } from '@atelier/contract';
import { searchParamsOf } from './gallery-route-query';

/** How a tile was clicked: Shift extends from the anchor, Ctrl/Cmd (or the corner check) toggles. */
export interface PickModifiers {
  isRange: boolean;
  isToggle: boolean;
}

/** Picked ids in the order picked, and the anchor a Shift-click extends from. */
export interface PickState {
  ids: readonly number[];
  anchor: number | null;
}

/** A search's filters as a bulk selection: "all N matching", sent as the query, never as N ids. */
export type MatchingQuery = GalleryFilters & { board?: number };

/** Reads the modifiers of a mouse or keyboard event (Cmd on macOS counts as Ctrl). */
export function pickModifiers(event: {
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
}): PickModifiers {
  return { isRange: event.shiftKey, isToggle: event.ctrlKey || event.metaKey };
}

/**
 * The picks after clicking the tile at `index` of `order` (the grid's ids, in display order).
 * Toggle flips that tile and moves the anchor to it; Range adds every tile between the anchor and
 * it (the anchor stays, so successive Shift-clicks pivot around it, as file managers do); without an
 * anchor in view a Range pick is a toggle. A plain pick selects only that tile.
 */
export function applyPick(
  state: PickState,
  order: readonly number[],
  index: number,
  { isRange, isToggle }: PickModifiers,
): PickState {
  const id = order[index];
  if (id === undefined) return state;
  const anchorIndex = state.anchor === null ? -1 : order.indexOf(state.anchor);
  if (isRange && anchorIndex >= 0) {
    const [from, to] = anchorIndex <= index ? [anchorIndex, index] : [index, anchorIndex];
    const range = order.slice(from, to + 1);
    const known = new Set(state.ids);
    return { ids: [...state.ids, ...range.filter((one) => !known.has(one))], anchor: state.anchor };
  }
  if (isToggle || isRange) {
    const ids = state.ids.includes(id) ? state.ids.filter((one) => one !== id) : [...state.ids, id];
    return { ids, anchor: id };
  }
  return { ids: [id], anchor: id };
}

/** The filters of a search as "all matching" sends them: order, paging and stacking are not filters. */
export function matchingQuery(search: GallerySearchQuery): MatchingQuery {
  const { sort: _s, seed_order: _o, stacks: _st, stack: _k, cursor: _c, limit: _l, ...filters } = search;
  const query: MatchingQuery = {};
  for (const key of Object.keys(filters) as (keyof MatchingQuery)[])
    if (filters[key] !== undefined) Object.assign(query, { [key]: filters[key] });
  return query;
}

/** The request form of a selection: ids, or the search they match. */
export function toSelection(ids: readonly number[], matching: MatchingQuery | null): GallerySelection {
  return matching ? { query: { ...matching } } : { ids: [...ids] };
}

/** Export URL parameters of a selection (`ids=1,2` or the search's own parameters). */
export function selectionParams(selection: GallerySelection): URLSearchParams {
  if ('ids' in selection) return new URLSearchParams({ ids: selection.ids.join(',') });
  return searchParamsOf(selection.query);
}
