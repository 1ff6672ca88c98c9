import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it } from 'vitest';
import { ApiError } from '../api/http';
import { useListState, usePendingIds } from './list-state';
import { useNotificationsStore } from './notifications';

beforeEach(() => setActivePinia(createPinia()));

describe('useListState', () => {
  it('shows the spinner on the first load only and keeps the items while it reloads', async () => {
    let answer: Promise<{ items: number[] }> = Promise.resolve({ items: [1, 2] });
    const list = useListState(() => answer);
    const first = list.load();
    expect(list.status.value).toBe('loading');
    await first;
    expect(list.items.value).toEqual([1, 2]);

    let finish: (value: { items: number[] }) => void = () => undefined;
    answer = new Promise((resolve) => (finish = resolve));
    const again = list.load();
    expect(list.status.value).toBe('ready');
    expect(list.items.value).toEqual([1, 2]);
    finish({ items: [3] });
    await again;
    expect(list.items.value).toEqual([3]);
  });

  it('keeps an API refusal as it came, words any other failure as a network ApiError, and recovers', async () => {
    const refusal = new ApiError(403, 'auth.forbidden', 'Only admins');
    let failure: Error | null = refusal;
    const list = useListState<number>(() =>
      failure ? Promise.reject(failure) : Promise.resolve({ items: [1] }),
    );
    expect(list.status.value).toBe('idle');
    await list.load();
    expect(list.status.value).toBe('error');
    expect(list.error.value).toBe(refusal);
    failure = new TypeError('Failed to fetch');
    await list.load();
    expect(list.error.value).toBeInstanceOf(ApiError);
    expect(list.error.value?.code).toBe('network');
    expect(list.error.value?.message).toBe('Failed to fetch');
    failure = null;
    await list.load();
    expect(list.status.value).toBe('ready');
    expect(list.error.value).toBeNull();
    expect(list.items.value).toEqual([1]);
  });
});

describe('usePendingIds', () => {
  it('marks the id busy while the work runs and toasts a failure under the given title', async () => {
    const { pendingIds, withPending } = usePendingIds<number>();
    let finish: () => void = () => undefined;
    const work = withPending(7, () => new Promise<void>((resolve) => (finish = resolve)), 'Could not');
    expect(pendingIds.value).toEqual([7]);
    finish();
    expect(await work).toBe(true);
    expect(pendingIds.value).toEqual([]);

    expect(await withPending(8, () => Promise.reject(new Error('boom')), 'Could not delete it')).toBe(false);
    expect(pendingIds.value).toEqual([]);
    expect(useNotificationsStore().toasts.map((toast) => toast.title)).toContain('Could not delete it');
  });
});
