import type { Share, ShareCreate, ShareCreated } from '@atelier/contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ApiError } from '../api/http';
import { sharesApi } from '../api/shares';
import { useListState, usePendingIds } from './list-state';
import { useNotificationsStore } from './notifications';

/**
 * Share links: the last one made from the gallery (its token is shown only then), and Account's
 * list of links (yours, or an admin's "all users") with revoking.
 */
export const useSharesStore = defineStore('shares', () => {
  const notifications = useNotificationsStore();
  const created = ref<ShareCreated | null>(null);
  const status = ref<'idle' | 'saving' | 'error'>('idle');
  const error = ref<ApiError | null>(null);
  /** An admin's switch: everyone's links, each with its owner. */
  const showAll = ref(false);
  const list = useListState<Share>(() => sharesApi.list(showAll.value));
  const { pendingIds, withPending } = usePendingIds<number>();

  async function create(body: ShareCreate): Promise<ShareCreated | null> {
    status.value = 'saving';
    error.value = null;
    try {
      created.value = await sharesApi.create(body);
      status.value = 'idle';
      const { token: _token, url: _url, ...share } = created.value;
      // The list never holds a token: it is shown once, then only its hash is stored.
      if (list.status.value === 'ready') list.items.value = [share, ...list.items.value];
      return created.value;
    } catch (caught) {
      error.value = caught instanceof ApiError ? caught : new ApiError(0, 'network', String(caught));
      status.value = 'error';
      return null;
    }
  }

  function reset(): void {
    created.value = null;
    status.value = 'idle';
    error.value = null;
  }

  async function setShowAll(all: boolean): Promise<void> {
    showAll.value = all;
    list.items.value = [];
    await list.load();
  }

  /** Revokes a link (it answers "not found" from now on) and drops it from the list. */
  async function revoke(share: Share): Promise<boolean> {
    if (!(await withPending(share.id, () => sharesApi.revoke(share.id), 'Could not revoke the link')))
      return false;
    list.items.value = list.items.value.filter((item) => item.id !== share.id);
    notifications.success({ title: 'Link revoked', message: 'Anyone who opens it now sees “not found”.' });
    return true;
  }

  return {
    created,
    status,
    error,
    create,
    reset,
    showAll,
    items: list.items,
    listStatus: list.status,
    listError: list.error,
    pendingIds,
    load: list.load,
    setShowAll,
    revoke,
  };
});
