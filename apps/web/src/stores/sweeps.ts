import { maxSweepAxes, type SweepParam, type SweepRequest, type SweepResponse } from '@atelier/contract';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { newIdempotencyKey } from '../api/comfy';
import { ApiError } from '../api/http';
import { sweepsApi } from '../api/sweeps';
import { emptyAxis, summarizeSweep, sweepProgress, type SweepAxisDraft } from '../domain/sweep-grid';
import { callComfy } from './comfy-call';
import { describeError } from './errors';
import { useGenerateStore } from './generate';

/** How often an open sweep page asks how far its grid got (one request for all cells, not a stream per cell). */
export const sweepPollMs = 1500;

/**
 * Sweeps: the form on the Generate page (axes over the Generate form's request, at most 256 jobs, counted
 * before sending) and the sweep being looked at, polled while cells are still running.
 */
export const useSweepsStore = defineStore('sweeps', () => {
  const generate = useGenerateStore();
  const axes = ref<SweepAxisDraft[]>([emptyAxis('cfg')]);
  const summary = computed(() => summarizeSweep(axes.value));
  const isSubmitting = ref(false);
  const submitError = ref<string | null>(null);

  const current = ref<SweepResponse | null>(null);
  const loadError = ref<string | null>(null);
  const progress = computed(() => (current.value ? sweepProgress(current.value) : null));
  let timer: ReturnType<typeof setTimeout> | null = null;
  let following: string | null = null;
  let controller: AbortController | null = null;

  function addAxis(param: SweepParam = 'seed'): void {
    if (axes.value.length < maxSweepAxes) axes.value.push(emptyAxis(param));
  }

  function removeAxis(index: number): void {
    axes.value.splice(index, 1);
  }

  /** Queues the sweep over the Generate form's request; its id, or null when refused (the reason is shown). */
  async function submit(): Promise<string | null> {
    submitError.value = null;
    if (!generate.isValid) {
      submitError.value = 'Fill in the Generate form first: the sweep starts from its settings.';
      return null;
    }
    if (!summary.value.canSend || isSubmitting.value) return null;
    const body: SweepRequest = {
      base: { kind: 'txt2img', params: generate.request.params },
      axes: summary.value.axes,
    };
    const key = newIdempotencyKey();
    isSubmitting.value = true;
    try {
      const created = await callComfy('Could not queue the sweep', () => sweepsApi.create(body, key));
      return created.sweep_id;
    } catch (error) {
      submitError.value = refusal(error);
      return null;
    } finally {
      isSubmitting.value = false;
    }
  }

  /** Loads a sweep and keeps it fresh until every cell has ended (or `stopFollowing`). */
  async function follow(sweepId: string): Promise<void> {
    stopFollowing();
    following = sweepId;
    if (current.value?.sweep_id !== sweepId) current.value = null;
    loadError.value = null;
    await poll(sweepId);
  }

  async function poll(sweepId: string): Promise<void> {
    controller = new AbortController();
    try {
      const sweep = await callComfy(
        'Could not load the sweep',
        () => sweepsApi.get(sweepId, controller?.signal),
        {
          signal: controller.signal,
          quietWhenDisabled: true,
        },
      );
      if (following !== sweepId) return;
      current.value = sweep;
      if (!sweepProgress(sweep).isSettled) timer = setTimeout(() => void poll(sweepId), sweepPollMs);
    } catch (error) {
      if (following !== sweepId || (error instanceof DOMException && error.name === 'AbortError')) return;
      loadError.value =
        error instanceof ApiError && error.status === 404 ? 'There is no such sweep.' : describeError(error);
    }
  }

  function stopFollowing(): void {
    following = null;
    if (timer) clearTimeout(timer);
    timer = null;
    controller?.abort();
    controller = null;
  }

  return {
    axes,
    summary,
    isSubmitting,
    submitError,
    current,
    loadError,
    progress,
    addAxis,
    removeAxis,
    submit,
    follow,
    stopFollowing,
  };
});

/** The server's reason, naming the field it points at (`axes.1.values: …`). */
function refusal(error: unknown): string {
  if (!(error instanceof ApiError)) return describeError(error);
  const fields = Object.entries(error.fieldErrors ?? {});
  const first = fields[0];
  return first ? `${error.message} (${first[0]}: ${first[1].join(' ')})` : error.message;
}
