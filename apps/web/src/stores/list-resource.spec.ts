import { describe, expect, it } from 'vitest';
import { ApiError } from '../api/http';
import { useListResource } from './list-resource';

describe('useListResource', () => {
  it('loads the list and keeps a refusal as an ApiError, then recovers on the next load', async () => {
    let answer: () => Promise<number[]> = () => Promise.reject(new ApiError(403, 'auth.forbidden', 'No.'));
    const list = useListResource<number, number>(() => answer());
    expect(list.status.value).toBe('idle');
    await list.load();
    expect(list.status.value).toBe('error');
    expect(list.error.value?.code).toBe('auth.forbidden');
    answer = () => Promise.resolve([1, 2]);
    await list.load();
    expect(list.status.value).toBe('ready');
    expect(list.error.value).toBeNull();
    expect(list.items.value).toEqual([1, 2]);
  });

  it('words a network failure as an ApiError too', async () => {
    const list = useListResource<number, number>(() => Promise.reject(new TypeError('Failed to fetch')));
    await list.load();
    expect(list.error.value?.code).toBe('network');
    expect(list.error.value?.message).toBe('Failed to fetch');
  });

  it('marks an id pending while its work runs and answers what the work threw', async () => {
    const list = useListResource<number, number>(() => Promise.resolve([]));
    let finish!: () => void;
    const running = list.withPending(7, () => new Promise<void>((resolve) => (finish = resolve)));
    expect(list.pendingIds.value).toEqual([7]);
    finish();
    expect(await running).toBeNull();
    expect(list.pendingIds.value).toEqual([]);
    const refusal = new ApiError(404, 'share.not_found', 'Gone.');
    expect(await list.withPending(8, () => Promise.reject(refusal))).toBe(refusal);
    expect(list.pendingIds.value).toEqual([]);
  });
});
