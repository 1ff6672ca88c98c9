import type {
  CreateWebhookRequest,
  UpdateWebhookRequest,
  WebhookEndpointView,
  WebhookEndpointWithSecret,
} from '@atelier/contract';
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installFakeApi } from '../../test/install-fake-api';
import { useSessionStore } from '../../stores/session';
import AccountWebhooksSection from './AccountWebhooksSection.vue';

/** The webhook routes, in memory: what the API lists (never the secret) and what it answers once. */
const server = vi.hoisted(() => ({
  hooks: [] as WebhookEndpointView[],
  created: [] as unknown[],
  patches: [] as { id: number; body: UpdateWebhookRequest }[],
  lists: [] as boolean[],
}));
vi.mock('../../api/webhooks', async () => {
  const { ApiError } = await import('../../api/http');
  return {
    webhooksApi: {
      list: (all = false) => {
        server.lists.push(all);
        return Promise.resolve({ items: server.hooks.filter((hook) => all || hook.owner_id === 1) });
      },
      update: (id: number, body: UpdateWebhookRequest): Promise<WebhookEndpointView> => {
        server.patches.push({ id, body });
        if (body.url?.includes('10.0.0.1')) {
          const why = 'it points at a private address';
          return Promise.reject(
            new ApiError(400, 'webhooks.url_refused', `This webhook URL is refused: ${why}`, { url: [why] }),
          );
        }
        const index = server.hooks.findIndex((hook) => hook.id === id);
        const changed: WebhookEndpointView = { ...server.hooks[index]!, ...body };
        if (body.enabled) Object.assign(changed, { disabled_at: null, disabled_reason: null });
        server.hooks[index] = changed;
        return Promise.resolve(changed);
      },
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
  };
});

function endpoint(
  id: number,
  ownerId: number,
  extra: Partial<WebhookEndpointView> = {},
): WebhookEndpointView {
  return {
    id,
    owner_id: ownerId,
    owner_username: ownerId === 1 ? 'someone' : 'other.user',
    url: `https://hooks.example.com/${id}`,
    events: ['job.succeeded'],
    all_users: false,
    enabled: true,
    disabled_at: null,
    disabled_reason: null,
    failing_since: null,
    created_at: '2026-12-05T10:00:00.000Z',
    ...extra,
  };
}

function button(wrapper: { findAll: (s: string) => { text: () => string }[] }, text: string) {
  return wrapper.findAll('button').find((b) => b.text().startsWith(text)) as unknown as {
    trigger: (e: string) => Promise<void>;
  };
}

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
  server.patches = [];
  server.lists = [];
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

  it('edits a webhook: the API’s refusal shows by the URL field, then the change is saved', async () => {
    server.hooks = [endpoint(1, 1)];
    const wrapper = await mountAs('user');
    await button(wrapper, 'Edit').trigger('click');
    const form = wrapper.get('form[aria-label="Edit the webhook https://hooks.example.com/1"]');
    await form.get('input[name="webhook-url"]').setValue('http://10.0.0.1/hook');
    await form.trigger('submit');
    await flushPromises();
    expect(form.text()).toContain('it points at a private address');
    expect(form.get('input[name="webhook-url"]').attributes('aria-invalid')).toBe('true');

    await form.get('input[name="webhook-url"]').setValue('https://hooks.example.com/new');
    await form.get('input[type="checkbox"][value="image.approved"]').setValue(true);
    await form.trigger('submit');
    await flushPromises();
    expect(server.patches.at(-1)).toEqual({
      id: 1,
      body: {
        url: 'https://hooks.example.com/new',
        events: ['job.succeeded', 'image.approved'],
        all_users: false,
        enabled: true,
      },
    });
    expect(wrapper.find('form[aria-label^="Edit the webhook"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="account-webhook"]').text()).toContain('image.approved');
  });

  it('shows why and when Atelier turned a webhook off, and re-enables it', async () => {
    server.hooks = [
      endpoint(1, 1, {
        enabled: false,
        disabled_at: '2026-12-04T08:00:00.000Z',
        disabled_reason: 'Every delivery failed for 5 days',
      }),
    ];
    const wrapper = await mountAs('user');
    const banner = wrapper.get('[data-testid="webhook-disabled"]');
    expect(banner.text()).toContain('Every delivery failed for 5 days');
    expect(banner.text()).toContain('turned this webhook off on');
    await button(wrapper, 'Re-enable').trigger('click');
    await flushPromises();
    expect(server.patches).toEqual([{ id: 1, body: { enabled: true } }]);
    expect(wrapper.find('[data-testid="webhook-disabled"]').exists()).toBe(false);
  });

  it('lets an admin list every user’s webhooks with their owners', async () => {
    server.hooks = [endpoint(1, 1), endpoint(2, 7)];
    const wrapper = await mountAs('admin');
    expect(wrapper.findAll('[data-testid="account-webhook"]')).toHaveLength(1);
    await wrapper.get('button[role="switch"]').trigger('click');
    await flushPromises();
    expect(server.lists).toEqual([false, true]);
    expect(wrapper.findAll('[data-testid="webhook-owner"]').map((owner) => owner.text())).toEqual([
      'Owner: someone',
      'Owner: other.user',
    ]);
  });

  it('offers no All users switch to a plain user', async () => {
    const wrapper = await mountAs('user');
    expect(wrapper.find('button[role="switch"]').exists()).toBe(false);
  });
});
