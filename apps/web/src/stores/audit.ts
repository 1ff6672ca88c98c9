import type { AuditAction, AuditEntry } from '@atelier/contract';
import { defineStore } from 'pinia';
import { ref } from 'vue';
import { auditApi } from '../api/audit';
import { ApiError } from '../api/http';
import { describeError } from './errors';

export const auditPageSize = 25;

/** The audit log for admins: newest first, a page at a time, optionally one action only. */
export const useAuditStore = defineStore('audit', () => {
  const entries = ref<AuditEntry[]>([]);
  const nextCursor = ref<string | null>(null);
  const action = ref<AuditAction | null>(null);
  const status = ref<'idle' | 'loading' | 'ready' | 'error'>('idle');
  const error = ref<ApiError | null>(null);
  // A newer load wins: an older page arriving late must not overwrite it.
  let generation = 0;

  async function fetchPage(cursor: string | null): Promise<void> {
    const mine = ++generation;
    status.value = 'loading';
    error.value = null;
    try {
      const page = await auditApi.list(cursor, auditPageSize, action.value);
      if (mine !== generation) return;
      entries.value = cursor ? [...entries.value, ...page.items] : page.items;
      nextCursor.value = page.next_cursor;
      status.value = 'ready';
    } catch (e) {
      if (mine !== generation) return;
      error.value = e instanceof ApiError ? e : new ApiError(0, 'network', describeError(e));
      status.value = 'error';
    }
  }

  /** The newest page again (after a change, or another filter). */
  function load(): Promise<void> {
    return fetchPage(null);
  }

  function loadMore(): Promise<void> {
    return nextCursor.value && status.value !== 'loading' ? fetchPage(nextCursor.value) : Promise.resolve();
  }

  function filter(next: AuditAction | null): Promise<void> {
    action.value = next;
    return load();
  }

  return { entries, nextCursor, action, status, error, load, loadMore, filter };
});
