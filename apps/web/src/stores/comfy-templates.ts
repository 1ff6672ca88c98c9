import type { ComfyPresetSummary } from '@atelier/contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { comfyApi } from '../api/comfy';
import { callComfy } from './comfy-call';
import type { LoadStatus } from './users';

/**
 * The server's txt2img workflow templates (GET /api/comfy/presets, `config/comfy/presets`): the
 * Generate form's "Workflow" choices. A job names its template in the request's `preset` field.
 */
export const useComfyTemplatesStore = defineStore('comfy-templates', () => {
  const templates = ref<ComfyPresetSummary[]>([]);
  const status = ref<LoadStatus>('idle');
  let loading: Promise<void> | null = null;

  async function fetchTemplates(): Promise<void> {
    status.value = 'loading';
    try {
      const answer = await callComfy('Could not read the workflow presets', () => comfyApi.presets(), {
        quietWhenDisabled: true,
      });
      templates.value = answer.items;
      status.value = 'ready';
    } catch {
      // callComfy has told the user; the form keeps offering the built-in graph.
      status.value = 'error';
    }
  }

  /** Once per session (and again after a failure). */
  function ensureLoaded(): Promise<void> {
    if (status.value === 'ready') return Promise.resolve();
    loading ??= fetchTemplates().finally(() => {
      loading = null;
    });
    return loading;
  }

  function find(name: string): ComfyPresetSummary | undefined {
    return templates.value.find((template) => template.name === name);
  }

  return { templates, status, ensureLoaded, find };
});
