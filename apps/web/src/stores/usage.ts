import type { MyUsageResponse, UsageQuery, UsageResponse } from '@atelier/contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { ApiError } from '../api/http';
import { usageApi } from '../api/usage';
import { describeError } from './errors';
import type { LoadStatus } from './users';

/** GPU time: my own against my quota (everyone), and the admins' report per user, backend or day. */
export const useUsageStore = defineStore('usage', () => {
  const mine = ref<MyUsageResponse | null>(null);
  const mineStatus = ref<LoadStatus>('idle');
  const report = ref<UsageResponse | null>(null);
  const reportStatus = ref<LoadStatus>('idle');
  const error = ref<ApiError | null>(null);
  /** The range and grouping last asked for (the CSV link exports the same). */
  const query = ref<UsageQuery>({ group_by: 'user' });

  const asApiError = (e: unknown) =>
    e instanceof ApiError ? e : new ApiError(0, 'network', describeError(e));

  async function loadMine(): Promise<void> {
    mineStatus.value = mine.value ? 'ready' : 'loading';
    try {
      mine.value = await usageApi.mine();
      mineStatus.value = 'ready';
    } catch (e) {
      error.value = asApiError(e);
      mineStatus.value = 'error';
    }
  }

  async function loadReport(q: UsageQuery = query.value): Promise<void> {
    query.value = { ...q };
    reportStatus.value = 'loading';
    error.value = null;
    try {
      report.value = await usageApi.report(query.value);
      reportStatus.value = 'ready';
    } catch (e) {
      error.value = asApiError(e);
      reportStatus.value = 'error';
    }
  }

  const csvUrl = () => usageApi.csvUrl(query.value);

  return { mine, mineStatus, report, reportStatus, error, query, loadMine, loadReport, csvUrl };
});
