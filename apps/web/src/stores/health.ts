import type { HealthResponse } from '@atelier/contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { healthApi } from '../api/health';

/** Server version and demo flag, shown in the shell; a failure here is not worth a toast. */
export const useHealthStore = defineStore('health', () => {
  const health = ref<HealthResponse | null>(null);
  let loading: Promise<void> | null = null;

  function load(): Promise<void> {
    loading ??= healthApi
      .get()
      .then((value) => {
        health.value = value;
      })
      .catch(() => {
        health.value = null;
        loading = null;
      });
    return loading;
  }

  return { health, load };
});
