import type { CreateWebhookRequest, WebhookEndpointView, WebhookEndpointWithSecret } from '@atelier/contract';
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installFakeApi } from '../../test/install-fake-api';
import { useSessionStore } from '../../stores/session';
import AccountWebhooksSection from './AccountWebhooksSection.vue';

/** The webhook routes, in memory: what the API lists (never the secret) and what it answers once. */
const server = vi.hoisted(() => ({ hooks: [] as WebhookEndpointView[], created: [] as unknown[] }));
vi.mock('../../api/webhooks', () => ({
  webhooksApi: {
    list: () => Promise.resolve({ items: [...server.hooks] }),
    create: (body: CreateWebhookRequest): Promise<WebhookEndpointWithSecret> => {
      server.created.push(body);
      const view: WebhookEndpointView = {
        id: server.hooks.length + 1,
        owner_id: 1,
        owner_username: 'someone',
        url: body.url,
        events: body.events,
        all_users: body.all_users ?? false,
        enabled: true,
        disabled_at: null,
        disabled_reason: null,
        failing_since: null,
        created_at: '2026-12-05T10:00:00.000Z',
      };
      server.hooks.push(view);
      return Promise.resolve({ ...view, secret: 'whsec_the-secret-shown-once' });
    },
  },
}));

async function mountAs(role: 'admin' | 'user') {
  installFakeApi({ id: 1, username: 'someone', role });
  await useSessionStore().ensureLoaded();
  const wrapper = mount(AccountWebhooksSection, { attachTo: document.body });
  await flushPromises();
  return wrapper;
}

beforeEach(() => {
  server.hooks = [];
  server.created = [];
});
afterEach(() => {
  document.body.innerHTML = '';
});

describe('Account → Webhooks', () => {
  it('adds a webhook, shows its secret once, then lists it without the secret', async () => {
    const wrapper = await mountAs('user');
    expect(wrapper.text()).not.toContain('Every user’s events');
    await wrapper.get('input[name="webhook-url"]').setValue('https://hooks.example.com/a');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(server.created).toEqual([
      { url: 'https://hooks.example.com/a', events: ['job.succeeded', 'job.failed'], all_users: false },
    ]);
    expect(wrapper.get('[data-testid="webhook-secret"]').text()).toBe('whsec_the-secret-shown-once');
    expect(wrapper.findAll('[data-testid="account-webhook"]')).toHaveLength(1);

    const done = wrapper.findAll('button').find((button) => button.text() === 'Done');
    await done!.trigger('click');
    expect(wrapper.find('[data-testid="webhook-secret"]').exists()).toBe(false);
    expect(wrapper.text()).not.toContain('whsec_');
  });

  it('asks for a URL before calling the API, and offers every user’s events to admins only', async () => {
    const wrapper = await mountAs('admin');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(server.created).toEqual([]);
    expect(wrapper.text()).toContain('Enter the URL to call.');
    expect(wrapper.text()).toContain('Every user’s events');
  });
});
