import { beforeEach, describe, expect, it } from 'vitest';
import type { FakeApi } from '../test/fake-api';
import { installFakeApi, testUsers } from '../test/install-fake-api';
import { useAdminConfigStore } from './admin-config';
import { useNotificationsStore } from './notifications';

let api: FakeApi;

beforeEach(() => {
  api = installFakeApi(testUsers.admin);
});

describe('admin config store', () => {
  it('saves an override, reports it, and resets it with null', async () => {
    const store = useAdminConfigStore();
    await store.load();
    expect(store.config?.settings.comfy_enabled).toEqual({ value: false, source: 'default' });

    await expect(store.save('comfy_enabled', true, 'On')).resolves.toBe(true);
    expect(store.config?.settings.comfy_enabled).toEqual({ value: true, source: 'admin' });
    expect(useNotificationsStore().toasts.map((t) => t.title)).toContain('On');

    await store.reset('comfy_enabled', 'ComfyUI integration');
    expect(store.config?.settings.comfy_enabled.source).toBe('default');
  });

  it('puts 400 details on the field instead of a toast', async () => {
    const store = useAdminConfigStore();
    await store.load();
    await expect(store.save('comfy_timeout', -5, 'Saved')).resolves.toBe(false);
    expect(store.fieldErrors.comfy_timeout).toEqual(['comfy_timeout must be at least 0']);
    expect(store.config?.settings.comfy_timeout.value).toBe(30);
    expect(useNotificationsStore().toasts).toHaveLength(0);

    await store.save('comfy_timeout', 60, 'Saved');
    expect(store.fieldErrors.comfy_timeout).toBeUndefined();
    expect(store.savingKeys).toEqual([]);
  });

  it('records a load failure for the page to show', async () => {
    api.signedIn = { id: 2, username: 'cura', role: 'curator' };
    const store = useAdminConfigStore();
    await store.load();
    expect(store.status).toBe('error');
    expect(store.error?.code).toBe('auth.forbidden');
  });
});
