import type { ApiKeySummary, CreateApiKeyRequest, CreatedApiKey } from '@atelier/contract';
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installFakeApi } from '../../test/install-fake-api';
import { useSessionStore } from '../../stores/session';
import AccountApiKeysSection from './AccountApiKeysSection.vue';

/** The key routes, in memory: what the API stores (never the secret) and what it answers once. */
const server = vi.hoisted(() => ({ keys: [] as ApiKeySummary[], created: [] as unknown[] }));
vi.mock('../../api/api-keys', () => ({
  apiKeysApi: {
    list: () => Promise.resolve({ items: [...server.keys] }),
    create: (body: CreateApiKeyRequest): Promise<CreatedApiKey> => {
      server.created.push(body);
      const summary: ApiKeySummary = {
        id: server.keys.length + 1,
        name: body.name,
        prefix: 'atl_AbCdEfGh',
        scopes: body.scopes,
        created_at: '2026-12-05T10:00:00.000Z',
        expires_at: body.expires_at ?? null,
        last_used_at: null,
        last_used_ip: null,
      };
      server.keys.push(summary);
      return Promise.resolve({ ...summary, key: 'atl_AbCdEfGh-the-rest-of-the-secret' });
    },
    revoke: (id: number) => {
      server.keys = server.keys.filter((key) => key.id !== id);
      return Promise.resolve();
    },
  },
}));

async function mountAs(role: 'admin' | 'user') {
  installFakeApi({ id: 1, username: 'someone', role });
  await useSessionStore().ensureLoaded();
  const wrapper = mount(AccountApiKeysSection, { attachTo: document.body });
  await flushPromises();
  return wrapper;
}

beforeEach(() => {
  server.keys = [];
  server.created = [];
});
afterEach(() => {
  document.body.innerHTML = '';
});

describe('AccountApiKeysSection', () => {
  it('creates a key, reveals its secret once, lists its prefix and revokes it', async () => {
    const wrapper = await mountAs('user');
    await wrapper.get('input[name="api-key-name"]').setValue('render farm');
    await wrapper.get('form').trigger('submit');
    await flushPromises();

    expect(server.created).toEqual([
      { name: 'render farm', scopes: ['jobs:read', 'gallery:read'], expires_at: expect.any(String) },
    ]);
    expect(wrapper.get('[data-testid="api-key-secret"]').text()).toBe('atl_AbCdEfGh-the-rest-of-the-secret');
    const item = wrapper.get('[data-testid="api-key"]');
    expect(item.text()).toContain('atl_AbCdEfGh');
    expect(item.text()).not.toContain('the-rest-of-the-secret');

    await wrapper
      .findAll('button')
      .find((button) => button.text() === 'Done')
      ?.trigger('click');
    expect(wrapper.find('[data-testid="api-key-secret"]').exists()).toBe(false);

    await item.get('button').trigger('click');
    await flushPromises();
    expect(wrapper.find('[data-testid="api-key"]').exists()).toBe(false);
    expect(server.keys).toEqual([]);
  });

  it('asks for a name and a scope before sending anything', async () => {
    const wrapper = await mountAs('user');
    for (const box of wrapper.findAll('input[type="checkbox"]')) await box.setValue(false);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(server.created).toEqual([]);
    expect(wrapper.text()).toContain('Name the key');
    expect(wrapper.text()).toContain('Choose at least one scope.');
  });

  it('offers the admin scope to admins only', async () => {
    const scopesOf = (wrapper: Awaited<ReturnType<typeof mountAs>>) =>
      wrapper.findAll('input[type="checkbox"]').map((box) => box.attributes('value'));
    expect(scopesOf(await mountAs('user'))).not.toContain('admin');
    document.body.innerHTML = '';
    expect(scopesOf(await mountAs('admin'))).toContain('admin');
  });
});
