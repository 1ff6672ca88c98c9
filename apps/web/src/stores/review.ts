import type { ReviewPage } from '@atelier/contract';
import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import { galleryApi } from '../api/gallery';
import { reviewApi } from '../api/review';
import { describeError } from './errors';
import { useGalleryStore } from './gallery';
import { useGallerySearchStore } from './gallery-search';
import { useNotificationsStore } from './notifications';
import type { LoadStatus } from './users';

export type ReviewItem = ReviewPage['items'][number];
const pageSize = 50;

/**
 * The review queue (curators): the pending images, oldest submission first, one shown at a time.
 * A decision (approve, or reject with a note) removes the image and the next one takes its place.
 */
export const useReviewStore = defineStore('review', () => {
  const notifications = useNotificationsStore();
  const items = shallowRef<ReviewItem[]>([]);
  const index = ref(0);
  const status = ref<LoadStatus>('idle');
  const error = ref<string | null>(null);
  const nextCursor = ref<string | null>(null);
  const total = ref(0);
  const isDeciding = ref(false);
  const current = computed(() => items.value[index.value] ?? null);

  async function load(): Promise<void> {
    status.value = 'loading';
    error.value = null;
    try {
      const page = await reviewApi.page(null, pageSize);
      items.value = page.items;
      nextCursor.value = page.next_cursor;
      total.value = page.total_estimate;
      index.value = 0;
      status.value = 'ready';
    } catch (e) {
      error.value = describeError(e);
      status.value = 'error';
    }
  }

  async function loadMore(): Promise<void> {
    if (!nextCursor.value) return;
    try {
      const page = await reviewApi.page(nextCursor.value, pageSize);
      const known = new Set(items.value.map((item) => item.id));
      items.value = [...items.value, ...page.items.filter((item) => !known.has(item.id))];
      nextCursor.value = page.next_cursor;
    } catch (e) {
      notifications.error({ title: 'Could not load more of the queue', message: describeError(e) });
    }
  }

  /** J/K: the next or previous image of the queue (loading more near the end). */
  async function step(delta: -1 | 1): Promise<void> {
    const target = index.value + delta;
    if (target >= items.value.length - 1 && nextCursor.value) await loadMore();
    if (target >= 0 && target < items.value.length) index.value = target;
  }

  /** Approves or rejects the shown image; the queue advances to the next. */
  async function decide(decision: 'approve' | 'reject', note?: string): Promise<boolean> {
    const item = current.value;
    if (!item || isDeciding.value) return false;
    isDeciding.value = true;
    try {
      const action =
        decision === 'approve'
          ? { type: 'approve' as const }
          : { type: 'reject' as const, ...(note ? { note } : {}) };
      await galleryApi.bulk({ selection: { ids: [item.id] }, action });
      items.value = items.value.filter((one) => one.id !== item.id);
      total.value = Math.max(0, total.value - 1);
      index.value = Math.min(index.value, Math.max(0, items.value.length - 1));
      if (items.value.length < 5 && nextCursor.value) await loadMore();
      useGalleryStore().forgetDetails();
      useGallerySearchStore().invalidate();
      notifications.success({
        title: `${decision === 'approve' ? 'Approved' : 'Rejected'} image ${item.id}`,
      });
      return true;
    } catch (e) {
      notifications.error({ title: 'The decision was not saved', message: describeError(e) });
      return false;
    } finally {
      isDeciding.value = false;
    }
  }

  return { items, index, status, error, total, current, isDeciding, load, step, decide };
});
