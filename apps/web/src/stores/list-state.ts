import { ref, type Ref } from 'vue';
import { ApiError } from '../api/http';
import { describeError } from './errors';
import { useNotificationsStore } from './notifications';
import type { LoadStatus } from './users';

/**
 * A listed collection as the account stores keep it: the items, whether they are loading or failed, and a
 * load that keeps the old items on screen while it refreshes (the spinner shows only on the first load).
 */
export function useListState<T>(fetch: () => Promise<{ items: T[] }>) {
  const items = ref<T[]>([]) as Ref<T[]>;
  const status = ref<LoadStatus>('idle');
  const error = ref<ApiError | null>(null);

  async function load(): Promise<void> {
    status.value = items.value.length ? 'ready' : 'loading';
    error.value = null;
    try {
      items.value = (await fetch()).items;
      status.value = 'ready';
    } catch (e) {
      error.value = e instanceof ApiError ? e : new ApiError(0, 'network', describeError(e));
      status.value = 'error';
    }
  }

  return { items, status, error, load };
}

/**
 * Per-item work in flight (so each row's buttons show their own spinner): `withPending` marks the id busy,
 * runs the work, and turns a failure into an error toast titled `failure`; it answers whether it worked.
 */
export function usePendingIds<K extends string | number>() {
  const notifications = useNotificationsStore();
  const pendingIds = ref<K[]>([]) as Ref<K[]>;

  async function withPending(id: K, work: () => Promise<unknown>, failure: string): Promise<boolean> {
    pendingIds.value = [...pendingIds.value, id];
    try {
      await work();
      return true;
    } catch (e) {
      notifications.error({ title: failure, message: describeError(e) });
      return false;
    } finally {
      pendingIds.value = pendingIds.value.filter((pending) => pending !== id);
    }
  }

  return { pendingIds, withPending };
}
