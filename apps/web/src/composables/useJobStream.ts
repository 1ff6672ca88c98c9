import type { ComfyStreamEvent } from '@atelier/contract';
import { onScopeDispose, reactive, ref, toRef, toValue, watch, type MaybeRefOrGetter } from 'vue';
import { openJobStream, type JobStreamOptions } from '../api/comfy-stream';
import { applyJobEvent, applyJobStatus, newLiveJob, settleJob, type LiveJob } from '../domain/job-state';

export interface UseJobStreamOptions extends JobStreamOptions {
  /** The object to keep up to date (the jobs store passes its own job); a new one when absent. */
  state?: LiveJob;
  /** Every event, after it is applied (e.g. `warning`: look at ComfyUI's health now). */
  onEvent?: (event: ComfyStreamEvent) => void;
  /** Once, when the job is over; the state is already final. */
  onEnd?: (job: LiveJob) => void;
  /** A status read that failed while reconnecting. */
  onFailure?: (error: unknown) => void;
}

/**
 * One job, live: status, queue place, progress, preview, images, error and warning as refs, kept up
 * to date by GET /api/comfy/stream/:id. A new id closes the old stream and opens one for the new job;
 * the stream closes when the job is over, on `close()`, and when the calling effect scope ends.
 */
export function useJobStream(
  promptId: MaybeRefOrGetter<string | null | undefined>,
  options: UseJobStreamOptions = {},
) {
  const job: LiveJob = options.state ?? reactive(newLiveJob(''));
  const isOpen = ref(false);
  let stopStream: (() => void) | null = null;

  function close(): void {
    stopStream?.();
    stopStream = null;
    isOpen.value = false;
  }

  function follow(id: string | null | undefined): void {
    close();
    if (!options.state) Object.assign(job, newLiveJob(id ?? ''));
    if (!id) return;
    isOpen.value = true;
    stopStream = openJobStream(
      id,
      {
        onEvent: (event) => {
          applyJobEvent(job, event);
          options.onEvent?.(event);
        },
        onStatus: (status) => applyJobStatus(job, status),
        onEnd: (status) => {
          stopStream = null;
          isOpen.value = false;
          settleJob(job, status);
          options.onEnd?.(job);
        },
        onFailure: options.onFailure,
      },
      options,
    );
  }

  watch(() => toValue(promptId), follow, { immediate: true });
  onScopeDispose(close);

  return {
    promptId: toRef(job, 'prompt_id'),
    status: toRef(job, 'status'),
    queuePosition: toRef(job, 'queue_position'),
    progress: toRef(job, 'progress'),
    preview: toRef(job, 'preview'),
    images: toRef(job, 'images'),
    error: toRef(job, 'error'),
    warning: toRef(job, 'warning'),
    startedAt: toRef(job, 'started_at'),
    finishedAt: toRef(job, 'finished_at'),
    isOpen,
    close,
  };
}
