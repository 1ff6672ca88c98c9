import {
  galleryCompareMaxIds,
  galleryCompareMinIds,
  type GalleryComparison,
  type GalleryImage,
} from '@atelier/contract';
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { galleryApi } from '../api/gallery';
import { describeError } from './errors';
import type { LoadStatus } from './users';

/** Side by side shows at most this many images; "what varies" takes up to 50. */
export const compareMaxPanes = 4;

/**
 * The images picked in the grid (in the order picked) and what is shown of them: the "what varies"
 * table (GET /compare) or the side-by-side view.
 */
export const useGallerySelectionStore = defineStore('gallery-selection', () => {
  // The images themselves, not only ids: the compare view shows them after the search moves on.
  const items = shallowRef<GalleryImage[]>([]);
  const ids = computed(() => items.value.map((item) => item.id));
  const view = ref<'none' | 'varies' | 'compare'>('none');
  const comparison = shallowRef<GalleryComparison | null>(null);
  const comparisonStatus = ref<LoadStatus>('idle');
  const comparisonError = ref<string | null>(null);

  const count = computed(() => ids.value.length);
  const canShowVaries = computed(
    () => count.value >= galleryCompareMinIds && count.value <= galleryCompareMaxIds,
  );
  const canCompare = computed(() => count.value >= galleryCompareMinIds && count.value <= compareMaxPanes);

  function isSelected(id: number): boolean {
    return ids.value.includes(id);
  }

  /** Picks or unpicks an image; beyond 50 the oldest pick makes room. */
  function toggle(image: GalleryImage): void {
    if (isSelected(image.id)) items.value = items.value.filter((one) => one.id !== image.id);
    else items.value = [...items.value, image].slice(-galleryCompareMaxIds);
    if (view.value === 'compare' && !canCompare.value) view.value = 'none';
    if (view.value === 'varies' && !canShowVaries.value) view.value = 'none';
    // The table follows the selection while it is open.
    if (view.value === 'varies') void loadComparison();
  }

  function clear(): void {
    items.value = [];
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
    canShowVaries,
    canCompare,
    isSelected,
    toggle,
    clear,
    open,
  };
});
