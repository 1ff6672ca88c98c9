import type { ApiKeySummary, CreateApiKeyRequest } from '@atelier/contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { apiKeysApi } from '../api/api-keys';
import { ApiError } from '../api/http';
import { describeError } from './errors';
import { useNotificationsStore } from './notifications';
import type { LoadStatus } from './users';

/** Your API keys, and the secret of the one just created (shown until dismissed, never fetched again). */
export const useApiKeysStore = defineStore('api-keys', () => {
  const notifications = useNotificationsStore();
  const items = ref<ApiKeySummary[]>([]);
  const status = ref<LoadStatus>('idle');
  const error = ref<ApiError | null>(null);
  const revealed = ref<{ id: number; name: string; key: string } | null>(null);
  const pendingIds = ref<number[]>([]);

  async function load(): Promise<void> {
    status.value = items.value.length ? 'ready' : 'loading';
    error.value = null;
    try {
      items.value = (await apiKeysApi.list()).items;
      status.value = 'ready';
    } catch (e) {
      error.value = e instanceof ApiError ? e : new ApiError(0, 'network', describeError(e));
      status.value = 'error';
    }
  }

  /** Throws the API's refusal (the form shows it on its fields). */
  async function create(body: CreateApiKeyRequest): Promise<void> {
    const { key, ...summary } = await apiKeysApi.create(body);
    items.value = [summary, ...items.value];
    revealed.value = { id: summary.id, name: summary.name, key };
  }

  async function revoke(id: number): Promise<boolean> {
    pendingIds.value = [...pendingIds.value, id];
    try {
      await apiKeysApi.revoke(id);
      items.value = items.value.filter((item) => item.id !== id);
      if (revealed.value?.id === id) revealed.value = null;
      return true;
    } catch (e) {
      notifications.error({ title: 'Could not revoke the key', message: describeError(e) });
      return false;
    } finally {
      pendingIds.value = pendingIds.value.filter((pending) => pending !== id);
    }
  }

  return { items, status, error, revealed, pendingIds, load, create, revoke };
});
