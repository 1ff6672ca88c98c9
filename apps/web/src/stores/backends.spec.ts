import { beforeEach, describe, expect, it } from 'vitest';
import type { FakeApi } from '../test/fake-api';
import { backendView, installFakeQueue, type FakeQueue } from '../test/fake-queue';
import { installFakeApi, testUsers } from '../test/install-fake-api';
import { useBackendsStore } from './backends';
import { useNotificationsStore } from './notifications';
import { useRoleLimitsStore } from './role-limits';
import { useSessionStore } from './session';

let api: FakeApi;
let queue: FakeQueue;

beforeEach(async () => {
  api = installFakeApi({ ...testUsers.admin });
  queue = installFakeQueue(api);
  await useSessionStore().ensureLoaded();
});

describe('backends store', () => {
  it('lists, adds, drains and deletes backends', async () => {
    queue.backends.push(backendView(2, 'gpu-b', { in_flight: 2 }));
    const store = useBackendsStore();
    await store.load();
    expect(store.backends.map((b) => [b.name, b.in_flight])).toEqual([
      ['default', 0],
      ['gpu-b', 2],
    ]);

    const created = await store.create({ name: 'gpu-c', url: 'http://10.0.0.9:8188', tags: ['sdxl'] });
    expect(created).toMatchObject({ id: 3, name: 'gpu-c', tags: ['sdxl'], state: 'connecting' });
    expect(store.backends).toHaveLength(3);

    await store.update(2, { draining: true }, '“gpu-b” is draining');
    expect(store.backends.find((b) => b.id === 2)?.draining).toBe(true);
    expect(queue.backends.find((b) => b.id === 2)?.draining).toBe(true);

    expect(await store.remove(3)).toBe(true);
    expect(store.backends.map((b) => b.name)).toEqual(['default', 'gpu-b']);
    expect(api.calls).toContain('DELETE /api/admin/backends/3');
  });

  it('keeps a refused backend off the list and its field errors for the form', async () => {
    const store = useBackendsStore();
    await store.load();
    expect(await store.create({ name: 'bad', url: 'ftp://x' })).toBeNull();
    expect(store.formErrors).toEqual({ url: ['url must be http(s)'] });
    expect(store.backends).toHaveLength(1);
    // The default backend cannot be deleted: the server says so, and the row stays.
    expect(await store.remove(1)).toBe(false);
    expect(store.backends).toHaveLength(1);
    expect(useNotificationsStore().toasts.map((t) => t.title)).toContain('Could not delete “default”');
  });
});

describe('role limits store', () => {
  it('saves only what changed and keeps the server copy', async () => {
    const store = useRoleLimitsStore();
    await store.load();
    expect(store.items.map((i) => i.role)).toEqual(['user', 'curator', 'admin']);
    expect(await store.save('user', { max_waiting: 20, max_steps: null })).toBe(true);
    expect(store.items[0]?.limits).toMatchObject({ max_waiting: 20, max_steps: null, weight: 1 });
    expect(store.items[0]?.updated_by?.username).toBe('admin');

    expect(await store.save('user', { weight: 0 })).toBe(false);
    expect(store.fieldErrors.user).toEqual({ weight: ['weight must be at least 0.1'] });
    expect(store.items[0]?.limits.weight).toBe(1);
  });
});
