import type { Txt2ImgFeature } from '@atelier/contract';
import { useLocalStorage } from '@vueuse/core';
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { ApiError } from '../api/http';
import { appConfig } from '../config';
import {
  defaultDraft,
  draftFieldOf,
  draftFromParams,
  fitToTemplate,
  qualityLevels,
  randomSeed,
  restoreDraft,
  toParams,
  validateDraft,
  type DraftErrors,
  type DraftField,
  type QualityLevel,
  type SizeChoice,
} from '../domain/txt2img-draft';
import { useComfyInfoStore } from './comfy-info';
import { useComfyTemplatesStore } from './comfy-templates';
import { useJobsStore } from './jobs';

/**
 * The Generate form. Its words: a *template* is one of the server's workflow templates (the "Workflow"
 * choice; the built-in graph when none), a *quality level* sets steps and CFG, a *size choice* sets
 * width and height. The form: a draft kept in localStorage (a reload loses nothing), bounds checked as you
 * type, server validation errors put back on their fields, and "use these settings" from the gallery.
 */
export const useGenerateStore = defineStore('generate', () => {
  const jobs = useJobsStore();
  const info = useComfyInfoStore();
  const templates = useComfyTemplatesStore();
  const draft = useLocalStorage(appConfig.generateDraftStorageKey, defaultDraft(), {
    mergeDefaults: restoreDraft,
    writeDefaults: false,
  });
  const serverErrors = ref<Partial<Record<DraftField, string>>>({});
  const isSubmitting = ref(false);
  /** After a first submit, "required" errors show too; before it, only values out of bounds do. */
  const hasAttempted = ref(false);

  const availableFeatures = computed<readonly Txt2ImgFeature[]>(() => info.catalog?.features ?? []);
  const localErrors = computed(() => validateDraft(draft.value));
  const errors = computed<DraftErrors>(() => {
    const shown: DraftErrors = { ...localErrors.value, ...serverErrors.value };
    if (!hasAttempted.value && !draft.value.caption) delete shown.caption;
    return shown;
  });
  const isValid = computed(() => Object.keys(localErrors.value).length === 0);

  /** The chosen template, once the list is loaded (null: the built-in graph, or not known yet). */
  const chosenTemplate = computed(() =>
    draft.value.template ? (templates.find(draft.value.template) ?? null) : null,
  );
  /**
   * The request body. Values the chosen template does not take are left out (the API would refuse them);
   * while its parameter list is unknown everything is sent and the server says what does not fit.
   */
  const request = computed(() => {
    const params = toParams(draft.value, availableFeatures.value);
    return chosenTemplate.value
      ? fitToTemplate(params, chosenTemplate.value.params)
      : { params, dropped: [] };
  });
  /** Form values the chosen workflow ignores (shown beside the choice). */
  const ignoredParams = computed(() => request.value.dropped);

  // An edit answers the server's complaint about that field.
  watch(
    draft,
    () => {
      serverErrors.value = {};
    },
    { deep: true },
  );

  /** Queues the draft; false when it is invalid or the server refused it (errors are then shown). */
  async function submit(): Promise<boolean> {
    hasAttempted.value = true;
    if (!isValid.value || isSubmitting.value) return false;
    isSubmitting.value = true;
    try {
      const answer = await jobs.start(request.value.params);
      // Show the seed the server drew, so a liked image can be locked and reproduced.
      if (!draft.value.isSeedLocked) draft.value.seed = answer.seed;
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.code === 'validation_failed') {
        const perField: Partial<Record<DraftField, string>> = {};
        for (const [field, messages] of Object.entries(e.fieldErrors))
          perField[draftFieldOf(field)] = messages.join(' ');
        serverErrors.value = perField;
      }
      return false;
    } finally {
      isSubmitting.value = false;
    }
  }

  function randomizeSeed(): void {
    draft.value.seed = randomSeed();
  }

  function applySize({ width, height }: Pick<SizeChoice, 'width' | 'height'>): void {
    draft.value.width = width;
    draft.value.height = height;
  }

  function swapSize(): void {
    applySize({ width: draft.value.height, height: draft.value.width });
  }

  /** Steps and CFG of the quality level, and its sampler/scheduler when the server has them. */
  function applyQuality(level: QualityLevel): void {
    draft.value.steps = level.steps;
    draft.value.cfg = level.cfg;
    const catalog = info.catalog;
    if (catalog?.samplers.includes(level.sampler)) draft.value.sampler = level.sampler;
    if (catalog?.schedulers.includes(level.scheduler)) draft.value.scheduler = level.scheduler;
  }

  const activeQuality = computed(
    () => qualityLevels.find((l) => l.steps === draft.value.steps && l.cfg === draft.value.cfg)?.id ?? null,
  );

  /** "Use these settings": a gallery image's or a past job's parameters, seed locked. */
  function applySettings(params: Record<string, unknown>): void {
    draft.value = draftFromParams(params, draft.value);
    hasAttempted.value = false;
  }

  function addLora(name: string): void {
    if (draft.value.loras.some((lora) => lora.name === name)) return;
    draft.value.loras.push({ name, weight: 1 });
  }

  function removeLora(index: number): void {
    draft.value.loras.splice(index, 1);
  }

  function reset(): void {
    draft.value = defaultDraft();
    hasAttempted.value = false;
  }

  return {
    draft,
    errors,
    isValid,
    isSubmitting,
    availableFeatures,
    activeQuality,
    chosenTemplate,
    request,
    ignoredParams,
    submit,
    randomizeSeed,
    applySize,
    swapSize,
    applyQuality,
    applySettings,
    addLora,
    removeLora,
    reset,
  };
});
