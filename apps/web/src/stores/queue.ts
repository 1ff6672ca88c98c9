import type { QueueStateResponse } from '@atelier/contract';
import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { ApiError } from '../api/http';
import { queueApi } from '../api/queue';
import { moveIndex, positionTarget, reorder, type QueueMove } from '../domain/queue-order';
import { describeError } from './errors';
import { useJobsStore, type JobView } from './jobs';
import { useNotificationsStore } from './notifications';
import type { LoadStatus } from './users';

const maxRetryable = 10;
const retryableStatuses: readonly JobView['status'][] = ['failed', 'lost', 'interrupted'];
const byPosition = (a: JobView, b: JobView) =>
  (a.waiting_position ?? Number.MAX_SAFE_INTEGER) - (b.waiting_position ?? Number.MAX_SAFE_INTEGER);

/**
 * My queue in Atelier: its switches (paused, automatic retry; admins: everyone's pause) and the order of my
 * waiting jobs. The jobs themselves live in the jobs store, which keeps them up to date.
 */
export const useQueueStore = defineStore('queue', () => {
  const jobsStore = useJobsStore();
  const notifications = useNotificationsStore();
  const state = ref<QueueStateResponse | null>(null);
  const status = ref<LoadStatus>('idle');
  const error = ref<ApiError | null>(null);
  /** Which switch is being saved, so it can show it. */
  const busy = ref<'paused' | 'all_paused' | 'auto_retry' | null>(null);
  /** Jobs whose move is in flight (their controls wait for it). */
  const movingIds = ref<string[]>([]);

  const waiting = computed(() => jobsStore.jobs.filter((job) => job.status === 'waiting').sort(byPosition));
  const running = computed(() =>
    jobsStore.jobs.filter((job) => job.status === 'queued' || job.status === 'running'),
  );
  /** The latest jobs that ended without a result (newest first), each with Retry. */
  const retryable = computed(() =>
    jobsStore.jobs.filter((job) => retryableStatuses.includes(job.status)).slice(0, maxRetryable),
  );

  async function load(): Promise<void> {
    status.value = 'loading';
    error.value = null;
    try {
      const [answer] = await Promise.all([queueApi.state(), jobsStore.load()]);
      state.value = answer;
      // Waiting jobs queued elsewhere (another tab, a sweep) may be older than the first page of history.
      await jobsStore.refreshWaiting();
      status.value = 'ready';
    } catch (e) {
      error.value = e instanceof ApiError ? e : new ApiError(0, 'network', describeError(e));
      status.value = 'error';
    }
  }

  async function change(
    which: 'paused' | 'all_paused' | 'auto_retry',
    failure: string,
    task: () => Promise<QueueStateResponse>,
    success?: string,
  ): Promise<void> {
    busy.value = which;
    try {
      state.value = await task();
      if (success) notifications.success({ title: success });
      // Resuming lets jobs go: their positions change at once.
      void jobsStore.refreshWaiting();
    } catch (e) {
      notifications.error({ title: failure, message: describeError(e) });
    } finally {
      busy.value = null;
    }
  }

  const setPaused = (paused: boolean) =>
    change('paused', paused ? 'Could not pause your queue' : 'Could not resume your queue', () =>
      paused ? queueApi.pause() : queueApi.resume(),
    );

  /** Admins: holds (or lets go) every user's waiting jobs. */
  const setAllPaused = (paused: boolean) =>
    change(
      'all_paused',
      paused ? 'Could not pause every queue' : 'Could not resume every queue',
      () => (paused ? queueApi.pause(true) : queueApi.resume(true)),
      paused ? 'Every queue is paused' : 'Every queue runs again',
    );

  const setAutoRetry = (autoRetry: boolean) =>
    change('auto_retry', 'Could not change automatic retry', () => queueApi.patch({ auto_retry: autoRetry }));

  /**
   * Moves one waiting job: up/down/top/bottom, or to an index of the list as shown (a drop). The new
   * order shows at once and is put back if the server refuses (the job started meanwhile, say).
   */
  async function move(promptId: string, to: QueueMove | number): Promise<boolean> {
    const list = waiting.value;
    const from = list.findIndex((job) => job.prompt_id === promptId);
    const target = typeof to === 'number' ? (to === from ? null : to) : moveIndex(list.length, from, to);
    if (from < 0 || target === null || movingIds.value.includes(promptId)) return false;
    const before = list.map((job) => [job, job.waiting_position] as const);
    jobsStore.touchOrder();
    reorder(list, from, target).forEach((job, index) => {
      job.waiting_position = index + 1;
    });
    movingIds.value = [...movingIds.value, promptId];
    try {
      const answer = await queueApi.move(promptId, positionTarget(target, list.length));
      const job = list[from];
      if (job) job.waiting_position = answer.waiting_position;
      return true;
    } catch (e) {
      jobsStore.touchOrder();
      for (const [job, position] of before) job.waiting_position = position;
      notifications.error({ title: 'Could not move the job', message: describeError(e) });
      return false;
    } finally {
      movingIds.value = movingIds.value.filter((id) => id !== promptId);
      // Others may have moved too (another tab, a dispatch): the server's order wins.
      void jobsStore.refreshWaiting();
    }
  }

  return {
    state,
    status,
    error,
    busy,
    movingIds,
    waiting,
    running,
    retryable,
    load,
    setPaused,
    setAllPaused,
    setAutoRetry,
    move,
  };
});
