import type { ApiKeySummary, CreateApiKeyRequest } from '@atelier/contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { apiKeysApi } from '../api/api-keys';
import { useListState, usePendingIds } from './list-state';

/** Your API keys, and the secret of the one just created (shown until dismissed, never fetched again). */
export const useApiKeysStore = defineStore('api-keys', () => {
  const { items, status, error, load } = useListState<ApiKeySummary>(() => apiKeysApi.list());
  const { pendingIds, withPending } = usePendingIds<number>();
  const revealed = ref<{ id: number; name: string; key: string } | null>(null);

  /** Throws the API's refusal (the form shows it on its fields). */
  async function create(body: CreateApiKeyRequest): Promise<void> {
    const { key, ...summary } = await apiKeysApi.create(body);
    items.value = [summary, ...items.value];
    revealed.value = { id: summary.id, name: summary.name, key };
  }

  function revoke(id: number): Promise<boolean> {
    return withPending(
      id,
      async () => {
        await apiKeysApi.revoke(id);
        items.value = items.value.filter((item) => item.id !== id);
        if (revealed.value?.id === id) revealed.value = null;
      },
      'Could not revoke the key',
    );
  }

  return { items, status, error, revealed, pendingIds, load, create, revoke };
});
