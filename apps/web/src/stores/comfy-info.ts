import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { ApiError } from '../api/http';
import { comfyApi } from '../api/comfy';
import { readCatalog } from '../domain/object-info';
import type { ComfyObjectInfo } from '../types/comfy';
import { callComfy } from './comfy-call';
import type { LoadStatus } from './users';

/** ComfyUI's node catalogue (object_info): fills the Generate pickers and shows what the server can do. */
export const useComfyInfoStore = defineStore('comfy-info', () => {
  const objectInfo = ref<ComfyObjectInfo | null>(null);
  const isStale = ref(false);
  const fetchedAt = ref<string | null>(null);
  const status = ref<LoadStatus>('idle');
  const error = ref<ApiError | null>(null);
  let loading: Promise<void> | null = null;

  const catalog = computed(() => (objectInfo.value ? readCatalog(objectInfo.value) : null));

  async function fetchInfo(refresh: boolean): Promise<void> {
    status.value = 'loading';
    error.value = null;
    try {
      // A plain read needs no toast when ComfyUI is switched off: the banner says so.
      const answer = await callComfy(
        'Could not read the ComfyUI node list',
        () => comfyApi.objectInfo(refresh),
        {
          quietWhenDisabled: !refresh,
        },
      );
      objectInfo.value = answer.object_info;
      isStale.value = answer.stale;
      fetchedAt.value = answer.fetched_at;
      status.value = 'ready';
    } catch (e) {
      error.value = e instanceof ApiError ? e : null;
      status.value = 'error';
    }
  }

  /** Once per session (and again after a failure). */
  function ensureLoaded(): Promise<void> {
    if (status.value === 'ready') return Promise.resolve();
    loading ??= fetchInfo(false).finally(() => {
      loading = null;
    });
    return loading;
  }

  /** Asks the server to read object_info from ComfyUI again (new models, new custom nodes). */
  function refresh(): Promise<void> {
    return fetchInfo(true);
  }

  return { objectInfo, catalog, isStale, fetchedAt, status, error, ensureLoaded, refresh };
});
