import { ref, type Ref } from 'vue';
import { ApiError } from '../api/http';
import { describeError } from './errors';
import type { LoadStatus } from './users';

/**
 * A list fetched from the API with its load status and error, and the ids with an action in flight:
 * the shape Account's sections share (sessions and API keys still carry their own copy).
 */
export function useListResource<T, Id>(fetch: () => Promise<T[]>) {
  const items = ref<T[]>([]) as Ref<T[]>;
  const status = ref<LoadStatus>('idle');
  const error = ref<ApiError | null>(null);
  const pendingIds = ref<Id[]>([]) as Ref<Id[]>;

  /** Keeps the list shown while it reloads; a failure is kept as an ApiError for the page to word. */
  async function load(): Promise<void> {
    status.value = items.value.length ? 'ready' : 'loading';
    error.value = null;
    try {
      items.value = await fetch();
      status.value = 'ready';
    } catch (e) {
      error.value = e instanceof ApiError ? e : new ApiError(0, 'network', describeError(e));
      status.value = 'error';
    }
  }

  /** Runs `work` with `id` marked pending; answers the error it threw, or null when it succeeded. */
  async function withPending(id: Id, work: () => Promise<void>): Promise<unknown> {
    pendingIds.value = [...pendingIds.value, id];
    try {
      await work();
      return null;
    } catch (e) {
      return e ?? new Error('failed');
    } finally {
      pendingIds.value = pendingIds.value.filter((pending) => pending !== id);
    }
  }

  return { items, status, error, pendingIds, load, withPending };
}
