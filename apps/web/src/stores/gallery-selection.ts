import {
  bulkMaxIds,
  galleryCompareMaxIds,
  galleryCompareMinIds,
  type GalleryComparison,
  type GalleryImage,
  type GallerySelection,
} from '@atelier/contract';
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { galleryApi } from '../api/gallery';
import { applyPick, toSelection, type MatchingQuery, type PickModifiers } from '../domain/gallery-pick';
import { describeError } from './errors';
import type { LoadStatus } from './users';

/** Side by side shows at most this many images; "what varies" takes up to 50. */
export const compareMaxPanes = 4;

/**
 * The images picked in the grid (in the order picked), or "all N matching" a search (Ctrl-A: the
 * search itself, so bulk actions and exports send the query, never N ids), and what is shown of
 * the picks: the "what varies" table (GET /compare) or the side-by-side view.
 */
export const useGallerySelectionStore = defineStore('gallery-selection', () => {
  // The images themselves, not only ids: the compare view shows them after the search moves on.
  const items = shallowRef<GalleryImage[]>([]);
  const ids = computed(() => items.value.map((item) => item.id));
  const view = ref<'none' | 'varies' | 'compare'>('none');
  const comparison = shallowRef<GalleryComparison | null>(null);
  const comparisonStatus = ref<LoadStatus>('idle');
  const comparisonError = ref<string | null>(null);

  const anchor = ref<number | null>(null);
  /** Set by selectAllMatching: the search's filters and how many it matches. */
  const matching = shallowRef<{ query: MatchingQuery; count: number; isExact: boolean } | null>(null);

  const count = computed(() => matching.value?.count ?? ids.value.length);
  const isMatching = computed(() => matching.value !== null);
  const picks = computed(() => (matching.value ? 0 : ids.value.length));
  const canShowVaries = computed(
    () => picks.value >= galleryCompareMinIds && picks.value <= galleryCompareMaxIds,
  );
  const canCompare = computed(() => picks.value >= galleryCompareMinIds && picks.value <= compareMaxPanes);
  /** What a bulk action or an export is about. */
  const selection = computed<GallerySelection>(() => toSelection(ids.value, matching.value?.query ?? null));

  function isSelected(id: number): boolean {
    return ids.value.includes(id);
  }

  function setItems(next: GalleryImage[]): void {
    // Beyond what one bulk request takes, the oldest picks make room (Ctrl-A covers larger sets).
    items.value = next.slice(-bulkMaxIds);
    matching.value = null;
    followView();
  }

  /** Picks or unpicks an image (the corner check, Space). */
  function toggle(image: GalleryImage): void {
    anchor.value = image.id;
    setItems(
      isSelected(image.id) ? items.value.filter((one) => one.id !== image.id) : [...items.value, image],
    );
  }

  /**
   * A click on the tile at `index` of `shown` (the grid, in display order) with its modifiers:
   * Shift adds the range from the anchor, Ctrl/Cmd toggles. Leaves "all matching" for picks.
   */
  function pick(shown: readonly GalleryImage[], index: number, modifiers: PickModifiers): void {
    const start = matching.value ? { ids: [], anchor: null } : { ids: ids.value, anchor: anchor.value };
    const next = applyPick(
      start,
      shown.map((one) => one.id),
      index,
      modifiers,
    );
    const byId = new Map([...items.value, ...shown].map((one) => [one.id, one]));
    anchor.value = next.anchor;
    setItems(next.ids.flatMap((id) => byId.get(id) ?? []));
  }

  /** Picks exactly these images (Ctrl-A where there is no search to send: "more like this"). */
  function pickAll(shown: readonly GalleryImage[]): void {
    anchor.value = shown[0]?.id ?? null;
    setItems([...shown]);
  }

  /** Ctrl-A: everything the search matches (`count` as the search estimated it). */
  function selectAllMatching(query: MatchingQuery, total: number, isExact = true): void {
    items.value = [];
    anchor.value = null;
    matching.value = { query, count: total, isExact };
    followView();
  }

  function followView(): void {
    if (view.value === 'compare' && !canCompare.value) view.value = 'none';
    if (view.value === 'varies' && !canShowVaries.value) view.value = 'none';
    // The table follows the selection while it is open.
    if (view.value === 'varies') void loadComparison();
  }

  function clear(): void {
    items.value = [];
    matching.value = null;
    anchor.value = null;
    view.value = 'none';
    comparison.value = null;
  }

  async function loadComparison(): Promise<void> {
    const wanted = [...ids.value];
    comparisonStatus.value = 'loading';
    comparisonError.value = null;
    try {
      const answer = await galleryApi.compare(wanted);
      if (wanted.join() !== ids.value.join()) return;
      comparison.value = answer;
      comparisonStatus.value = 'ready';
    } catch (e) {
      comparisonError.value = describeError(e);
      comparisonStatus.value = 'error';
    }
  }

  /** Shows "what varies" (loading the comparison) or the side-by-side view; `none` closes both. */
  async function open(next: 'none' | 'varies' | 'compare'): Promise<void> {
    if (next === 'varies' && !canShowVaries.value) return;
    if (next === 'compare' && !canCompare.value) return;
    view.value = next;
    if (next === 'varies') await loadComparison();
  }

  return {
    items,
    ids,
    view,
    comparison,
    comparisonStatus,
    comparisonError,
    count,
    matching,
    isMatching,
    selection,
    canShowVaries,
    canCompare,
    isSelected,
    toggle,
    pick,
    pickAll,
    selectAllMatching,
    clear,
    open,
  };
});
