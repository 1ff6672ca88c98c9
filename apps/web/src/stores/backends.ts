import type { BackendInput, BackendPatch, BackendView } from '@atelier/contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { backendsApi } from '../api/backends';
import { ApiError } from '../api/http';
import { describeError } from './errors';
import { useNotificationsStore } from './notifications';
import type { LoadStatus } from './users';

/** The pool of ComfyUI servers, for the Admin page. Failures become toasts; field errors stay on the form. */
export const useBackendsStore = defineStore('backends', () => {
  const notifications = useNotificationsStore();
  const backends = ref<BackendView[]>([]);
  const status = ref<LoadStatus>('idle');
  const error = ref<ApiError | null>(null);
  /** Per-field messages of the last refused add or edit. */
  const formErrors = ref<Record<string, string[]>>({});
  /** Ids of backends with a change in flight (0: one being added). */
  const pendingIds = ref<number[]>([]);

  const setPending = (id: number, isPending: boolean) => {
    pendingIds.value = isPending
      ? [...pendingIds.value, id]
      : pendingIds.value.filter((pending) => pending !== id);
  };

  async function load(): Promise<void> {
    status.value = 'loading';
    error.value = null;
    try {
      backends.value = (await backendsApi.list()).items;
      status.value = 'ready';
    } catch (e) {
      error.value = e instanceof ApiError ? e : new ApiError(0, 'network', describeError(e));
      status.value = 'error';
    }
  }

  /** Reads the states again without the loading flag (states and in-flight counts change by themselves). */
  async function refresh(): Promise<void> {
    try {
      backends.value = (await backendsApi.list()).items;
    } catch {
      // The next refresh or an explicit load says what is wrong; a failed poll keeps the last view.
    }
  }

  async function run(
    id: number,
    failure: string,
    task: () => Promise<BackendView | null>,
  ): Promise<BackendView | null> {
    setPending(id, true);
    formErrors.value = {};
    try {
      return await task();
    } catch (e) {
      if (e instanceof ApiError && e.code === 'validation_failed') formErrors.value = e.fieldErrors;
      notifications.error({ title: failure, message: describeError(e) });
      return null;
    } finally {
      setPending(id, false);
    }
  }

  const replace = (view: BackendView) => {
    backends.value = backends.value.map((b) => (b.id === view.id ? view : b));
    return view;
  };

  const create = (input: BackendInput) =>
    run(0, 'Could not add the backend', async () => {
      const created = await backendsApi.create(input);
      backends.value = [...backends.value, created];
      notifications.success({ title: `Backend “${created.name}” added` });
      return created;
    });

  /** Saves a change; `success` is the toast that says what happened (e.g. "… is draining"). */
  const update = (id: number, patch: BackendPatch, success: string) =>
    run(id, 'Could not change the backend', async () => {
      const updated = replace(await backendsApi.update(id, patch));
      notifications.success({ title: success });
      return updated;
    });

  async function remove(id: number): Promise<boolean> {
    const name = backends.value.find((b) => b.id === id)?.name ?? `#${id}`;
    const done = await run(id, `Could not delete “${name}”`, async () => {
      await backendsApi.remove(id);
      backends.value = backends.value.filter((b) => b.id !== id);
      notifications.success({ title: `Backend “${name}” deleted` });
      return null;
    });
    return done === null && !backends.value.some((b) => b.id === id);
  }

  return { backends, status, error, formErrors, pendingIds, load, refresh, create, update, remove };
});
