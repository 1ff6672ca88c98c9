import type { BackgroundOverview } from '@atelier/contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { backgroundApi } from '../api/background';
import { ApiError } from '../api/http';
import { describeError } from './errors';
import { useNotificationsStore } from './notifications';
import type { LoadStatus } from './users';

/** The background queues for the Admin page: what waits, what runs, and the failed jobs to retry. */
export const useBackgroundJobsStore = defineStore('background-jobs', () => {
  const notifications = useNotificationsStore();
  const overview = ref<BackgroundOverview | null>(null);
  const status = ref<LoadStatus>('idle');
  const error = ref<ApiError | null>(null);
  /** `queue/id` of the retries under way. */
  const retrying = ref<string[]>([]);

  async function load(): Promise<void> {
    status.value = 'loading';
    error.value = null;
    try {
      overview.value = await backgroundApi.overview();
      status.value = 'ready';
    } catch (e) {
      error.value = e instanceof ApiError ? e : new ApiError(0, 'network', describeError(e));
      status.value = 'error';
    }
  }

  /** Runs a failed job again, then reloads the counts (the job is no longer failed). */
  async function retry(queue: string, id: string): Promise<void> {
    const key = `${queue}/${id}`;
    retrying.value = [...retrying.value, key];
    try {
      await backgroundApi.retry(queue, id);
      notifications.success({ title: `Job ${id} of ${queue} queued again` });
      await load();
    } catch (e) {
      notifications.error({ title: `Could not retry job ${id}`, message: describeError(e) });
    } finally {
      retrying.value = retrying.value.filter((k) => k !== key);
    }
  }

  return { overview, status, error, retrying, load, retry };
});
