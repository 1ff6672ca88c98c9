import type { ComfyPresetSummary } from '@atelier/contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { comfyApi } from '../api/comfy';
import { callComfy } from './comfy-call';
import type { LoadStatus } from './users';

/** The server's txt2img presets (GET /api/comfy/presets): the Generate form's "Workflow" choices. */
export const useComfyPresetsStore = defineStore('comfy-presets', () => {
  const presets = ref<ComfyPresetSummary[]>([]);
  const status = ref<LoadStatus>('idle');
  let loading: Promise<void> | null = null;

  async function fetchPresets(): Promise<void> {
    status.value = 'loading';
    try {
      const answer = await callComfy('Could not read the workflow presets', () => comfyApi.presets(), {
        quietWhenDisabled: true,
      });
      presets.value = answer.items;
      status.value = 'ready';
    } catch {
      // callComfy has told the user; the form keeps offering the built-in graph.
      status.value = 'error';
    }
  }

  /** Once per session (and again after a failure). */
  function ensureLoaded(): Promise<void> {
    if (status.value === 'ready') return Promise.resolve();
    loading ??= fetchPresets().finally(() => {
      loading = null;
    });
    return loading;
  }

  function find(name: string): ComfyPresetSummary | undefined {
    return presets.value.find((preset) => preset.name === name);
  }

  return { presets, status, ensureLoaded, find };
});
