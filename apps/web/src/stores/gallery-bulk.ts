import type { BulkAction, BulkRequest, BulkResponse, GallerySelection } from '@atelier/contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { galleryApi } from '../api/gallery';
import { describeBulk, leavesView } from '../domain/gallery-bulk';
import { useBoardsStore } from './boards';
import { describeError } from './errors';
import { useGalleryStore } from './gallery';
import { useGallerySearchStore } from './gallery-search';
import { useGallerySelectionStore } from './gallery-selection';
import { useNotificationsStore } from './notifications';

/** How long the Undo button stays offered after a bulk action (ms). */
export const undoWindowMs = 8000;

/**
 * Bulk actions (POST /api/gallery/bulk) over the selection — picked ids or "all matching" — with a
 * toast that says how many changed and offers Undo: the answer's `undo` requests, posted in order.
 */
export const useGalleryBulkStore = defineStore('gallery-bulk', () => {
  const notifications = useNotificationsStore();
  const isRunning = ref(false);

  /** Shows what changed: results reloaded, cached details and board counts refreshed. */
  function refresh(): void {
    useGalleryStore().forgetDetails();
    const search = useGallerySearchStore();
    if (search.current) void search.show(search.current, { force: true });
    else search.invalidate();
    // Board counts change with board actions, trash and restore; only reload boards on show.
    const boards = useBoardsStore();
    if (boards.status !== 'idle') void boards.load();
  }

  async function run(
    action: BulkAction,
    selection: GallerySelection = useGallerySelectionStore().selection,
  ): Promise<BulkResponse | null> {
    isRunning.value = true;
    try {
      const answer = await galleryApi.bulk({ selection, action });
      if (leavesView(action)) useGallerySelectionStore().clear();
      const { undo } = answer;
      notifications.success({
        title: describeBulk(action, answer.affected),
        message: answer.skipped ? `${answer.skipped} skipped: not yours to change.` : undefined,
        ...(undo && answer.affected > 0
          ? { timeoutMs: undoWindowMs, action: { label: 'Undo', run: () => void undoWith(undo) } }
          : {}),
      });
      refresh();
      return answer;
    } catch (e) {
      notifications.error({ title: 'The action failed', message: describeError(e) });
      return null;
    } finally {
      isRunning.value = false;
    }
  }

  /** Posts the undo requests in order; stops at the first failure and says so. */
  async function undoWith(requests: readonly BulkRequest[]): Promise<boolean> {
    try {
      for (const request of requests) await galleryApi.bulk(request);
      notifications.info({ title: 'Undone' });
      return true;
    } catch (e) {
      notifications.error({ title: 'Could not undo', message: describeError(e) });
      return false;
    } finally {
      refresh();
    }
  }

  return { isRunning, run, undoWith };
});
