import type { ComfyHealthResponse, ComfyWatchState } from '@atelier/contract';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { comfyApi } from '../api/comfy';
import { ApiError } from '../api/http';
import { appConfig } from '../config';

/** What the banner shows: switched off, or the watchdog's view of ComfyUI. */
export type ComfyAvailability = 'disabled' | ComfyWatchState;

const unreachableCodes = new Set(['comfy.unreachable', 'comfy.timeout']);

/**
 * Polls GET /api/comfy/health and drives the "ComfyUI is off / unreachable" banner. Calls that fail
 * with comfy.unreachable report it here, so the banner does not wait for the next poll.
 */
export const useComfyHealthStore = defineStore('comfy-health', () => {
  const health = ref<ComfyHealthResponse | null>(null);
  const error = ref<ApiError | null>(null);
  /** A failure seen by another call since the last poll; the next good poll clears it. */
  const reportedDown = ref(false);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let isPolling = false;
  let inFlight: Promise<void> | null = null;

  const availability = computed<ComfyAvailability>(() => {
    if (health.value && !health.value.enabled) return 'disabled';
    if (reportedDown.value) return 'down';
    // Everyone gets `state`; `info` (the details) comes for admins only.
    return health.value?.state ?? health.value?.info?.comfy.state ?? 'unknown';
  });
  const isDisabled = computed(() => availability.value === 'disabled');
  const isUnreachable = computed(() => availability.value === 'down');
  /** Admins only: the wiring, last error, devices and managed mode; null for everyone else. */
  const info = computed(() => health.value?.info ?? null);

  function refresh(): Promise<void> {
    inFlight ??= comfyApi
      .health()
      .then((value) => {
        health.value = value;
        error.value = null;
        reportedDown.value = false;
      })
      .catch((e: unknown) => {
        // The API itself is unreachable: say nothing about ComfyUI, keep the last known answer.
        error.value = e instanceof ApiError ? e : null;
      })
      .finally(() => {
        inFlight = null;
      });
    return inFlight;
  }

  function schedule(): void {
    if (!isPolling) return;
    const delay = isUnreachable.value ? appConfig.comfyHealthPollMs.down : appConfig.comfyHealthPollMs.up;
    timer = setTimeout(() => {
      // A hidden tab does not need fresh news; it catches up when shown.
      const task = typeof document !== 'undefined' && document.hidden ? Promise.resolve() : refresh();
      void task.then(schedule);
    }, delay);
  }

  function start(): void {
    if (isPolling) return;
    isPolling = true;
    void refresh().then(schedule);
  }

  function stop(): void {
    isPolling = false;
    if (timer) clearTimeout(timer);
    timer = null;
  }

  /** Another call met ComfyUI down or switched off: show it now and check again soon. */
  function noteFailure(e: unknown): void {
    if (!(e instanceof ApiError)) return;
    if (e.code === 'comfy.disabled' && health.value) health.value = { ...health.value, enabled: false };
    else if (unreachableCodes.has(e.code)) reportedDown.value = true;
    else return;
    if (isPolling) {
      if (timer) clearTimeout(timer);
      schedule();
    }
  }

  return { health, error, availability, isDisabled, isUnreachable, info, refresh, start, stop, noteFailure };
});
