import type { ComfyImageRef, ComfyUploadResponse, Txt2ImgFeature, Txt2ImgParams } from '@atelier/contract';
import { useLocalStorage } from '@vueuse/core';
import { defineStore } from 'pinia';
import { computed, ref, watch } from 'vue';
import { galleryApi } from '../api/gallery';
import { ApiError } from '../api/http';
import { appConfig } from '../config';
import { inputFileName } from '../domain/input-image';
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
import { fetchComfyImage } from './comfy-call';
import { useComfyInfoStore } from './comfy-info';
import { useComfyTemplatesStore } from './comfy-templates';
import { useJobsStore } from './jobs';
import { describeError } from './errors';
import { useNotificationsStore } from './notifications';
import { useUploadsStore } from './uploads';

/** Where "use as input" takes its bytes from: a job's result (with its backend) or a gallery image. */
export type InputSource = { image: ComfyImageRef } | { galleryId: number };

/**
 * A step run by `submit` after the draft is checked and before the job is queued, in the order added. It
 * gets the request body and answers it changed (or nothing: unchanged); throwing stops the submit (the
 * step tells the user why). The mask editor adds one that uploads the painted mask and sets `params.mask`
 * (width and height are then left out, as inpainting requires).
 */
export type BeforeSubmitStep = (
  params: Txt2ImgParams,
) => Txt2ImgParams | undefined | Promise<Txt2ImgParams | undefined>;

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
  const uploads = useUploadsStore();
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

  // Not state: functions, registered by components while they are mounted.
  const beforeSubmitSteps: BeforeSubmitStep[] = [];

  /** Adds a step to every submit (see BeforeSubmitStep); call the answer to remove it (on unmount). */
  function onBeforeSubmit(step: BeforeSubmitStep): () => void {
    beforeSubmitSteps.push(step);
    return () => {
      const index = beforeSubmitSteps.indexOf(step);
      if (index >= 0) beforeSubmitSteps.splice(index, 1);
    };
  }

  /** The request body after the before-submit steps. */
  async function preparedParams(): Promise<Txt2ImgParams> {
    let params: Txt2ImgParams = { ...request.value.params };
    for (const step of [...beforeSubmitSteps]) params = (await step(params)) ?? params;
    if (params.mask !== undefined) {
      delete params.width;
      delete params.height;
    }
    return params;
  }

  /**
   * Queues the draft; false when it is invalid, an input image is still uploading, a before-submit step
   * failed, or the server refused it (errors are then shown).
   */
  async function submit(): Promise<boolean> {
    hasAttempted.value = true;
    if (!isValid.value || isSubmitting.value || uploads.isUploading) return false;
    isSubmitting.value = true;
    try {
      // Here, before jobs.start, the mask editor's step uploads the painted mask (onBeforeSubmit).
      const answer = await jobs.start(await preparedParams());
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

  /** img2img from this upload; a mask painted for the image before no longer fits. */
  function setInput(upload: ComfyUploadResponse): void {
    draft.value.image = upload;
    draft.value.mask = null;
  }

  /** Back to text to image. */
  function clearInput(): void {
    draft.value.image = null;
    draft.value.mask = null;
  }

  /** "Use as input": uploads the bytes (a result, a gallery image) and makes them the input image. */
  async function useAsInput(blob: Blob, name: string): Promise<ComfyUploadResponse> {
    const upload = await uploads.upload(blob, { key: 'use-as-input', filename: name });
    setInput(upload);
    return upload;
  }

  async function galleryFile(id: number): Promise<Blob> {
    try {
      return await galleryApi.file(id);
    } catch (error) {
      useNotificationsStore().error({ title: 'Could not read the image', message: describeError(error) });
      throw error;
    }
  }

  /**
   * "Use as input" from a result or a gallery image: its bytes fetched and uploaded again (names follow the
   * bytes, so the hash is the source's). Failures are toasted where they happen, then rethrown.
   */
  async function useAsInputFrom(source: InputSource): Promise<ComfyUploadResponse> {
    if ('image' in source) return useAsInput(await fetchComfyImage(source.image), source.image.filename);
    const blob = await galleryFile(source.galleryId);
    return useAsInput(blob, inputFileName(blob, `gallery-${source.galleryId}`));
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
    setInput,
    clearInput,
    useAsInput,
    useAsInputFrom,
    onBeforeSubmit,
    addLora,
    removeLora,
    reset,
  };
});
