import type { ShareCreate, ShareCreated } from '@atelier/contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ApiError } from '../api/http';
import { sharesApi } from '../api/shares';

/** Share links made from the gallery: the last one made (its token is shown only then). */
export const useSharesStore = defineStore('shares', () => {
  const created = ref<ShareCreated | null>(null);
  const status = ref<'idle' | 'saving' | 'error'>('idle');
  const error = ref<ApiError | null>(null);

  async function create(body: ShareCreate): Promise<ShareCreated | null> {
    status.value = 'saving';
    error.value = null;
    try {
      created.value = await sharesApi.create(body);
      status.value = 'idle';
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

  return { created, status, error, create, reset };
});
