import type { WebhookEndpointView } from '@atelier/contract';
import { flushPromises, mount } from '@vue/test-utils';
import { getActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory } from 'vue-router';
import { createAppRouter } from '../../router';
import { useSessionStore } from '../../stores/session';
import { useWebhooksStore } from '../../stores/webhooks';
import type { FakeApi } from '../../test/fake-api';
import { reply } from '../../test/fake-reply';
import { installFakeApi, testUsers } from '../../test/install-fake-api';
import DisabledWebhooksNotice from './DisabledWebhooksNotice.vue';

let api: FakeApi;
/** The caller's webhooks, for the routes the fake API does not model; /auth/me counts those Atelier turned off. */
let hooks: WebhookEndpointView[];

function hook(id: number, disabledAt: string | null): WebhookEndpointView {
  return {
    id,
    owner_id: testUsers.user.id,
    owner_username: testUsers.user.username,
    url: `https://hooks.example.com/${id}`,
    events: ['job.succeeded'],
    all_users: false,
    enabled: disabledAt === null,
    disabled_at: disabledAt,
    disabled_reason: disabledAt ? 'Every delivery failed since 2026-11-30 (over 5 days)' : null,
    failing_since: null,
    created_at: '2026-11-01T10:00:00.000Z',
  };
}

function countDisabled(): void {
  api.disabledWebhooks = hooks.filter((item) => item.disabled_at !== null).length;
}

beforeEach(() => {
  api = installFakeApi(testUsers.user);
  hooks = [hook(1, '2026-12-05T09:00:00.000Z'), hook(2, '2026-12-05T09:00:00.000Z'), hook(3, null)];
  countDisabled();
  const routeFakeApi = api.fetch;
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : input instanceof URL ? input.href : input;
    const path = new URL(url, 'http://localhost').pathname;
    const method = init?.method ?? 'GET';
    const id = Number(/^\/api\/me\/webhooks\/(\d+)$/.exec(path)?.[1]);
    if (method === 'GET' && path === '/api/me/webhooks') return reply(200, { items: hooks });
    if (method === 'PATCH' && id) {
      const { enabled } = JSON.parse(typeof init?.body === 'string' ? init.body : '{}') as {
        enabled: boolean;
      };
      hooks = hooks.map((item) => (item.id === id ? { ...hook(id, null), enabled } : item));
      countDisabled();
      return reply(
        200,
        hooks.find((item) => item.id === id),
      );
    }
    if (method === 'DELETE' && id) {
      hooks = hooks.filter((item) => item.id !== id);
      countDisabled();
      return reply(204);
    }
    return routeFakeApi(input, init);
  });
});

async function mountNotice() {
  const router = createAppRouter(createMemoryHistory());
  // Navigate before mounting, so no lazy route is still loading when the test ends.
  await router.push('/forbidden');
  const wrapper = mount(DisabledWebhooksNotice, { global: { plugins: [getActivePinia()!, router] } });
  await flushPromises();
  return wrapper;
}

const notice = '[data-testid="disabled-webhooks-notice"]';

describe('DisabledWebhooksNotice', () => {
  it('tells the owner how many webhooks Atelier turned off, in a live region, with a link to Account → Webhooks', async () => {
    await useSessionStore().ensureLoaded();
    const wrapper = await mountNotice();
    expect(wrapper.get('[aria-live="polite"]').get(notice).text()).toContain(
      'Atelier turned off 2 of your webhooks after days of failed deliveries',
    );
    expect(wrapper.get(`${notice} a`).attributes('href')).toBe('/account#webhooks');
  });

  it('says nothing when none is off, or while an admin’s reset waits for a new password', async () => {
    hooks = [hook(3, null)];
    countDisabled();
    await useSessionStore().ensureLoaded();
    expect((await mountNotice()).find(notice).exists()).toBe(false);

    api = installFakeApi(testUsers.user);
    api.disabledWebhooks = 1;
    api.users.push({ ...api.users[0]!, ...testUsers.user, must_change_password: true });
    await useSessionStore().ensureLoaded();
    expect(useSessionStore().disabledWebhooks).toBe(1);
    expect((await mountNotice()).find(notice).exists()).toBe(false);
  });

  it('learns the count after a sign-in, whose answer does not carry it', async () => {
    api.signedIn = null;
    const session = useSessionStore();
    await session.ensureLoaded();
    const wrapper = await mountNotice();
    expect(wrapper.find(notice).exists()).toBe(false);
    await session.login({ username: 'admin', password: 'correct horse' });
    await flushPromises();
    expect(api.calls.slice(-2)).toEqual(['POST /api/auth/login', 'GET /api/auth/me']);
    expect(wrapper.get(notice).text()).toContain('Atelier turned off 2 of your webhooks');
  });

  it('counts down as they are re-enabled or deleted, and goes once none is off', async () => {
    const session = useSessionStore();
    await session.ensureLoaded();
    const wrapper = await mountNotice();
    const webhooks = useWebhooksStore();
    await webhooks.load();

    await webhooks.update(1, { enabled: true });
    await flushPromises();
    expect(wrapper.get(notice).text()).toContain('Atelier turned off 1 of your webhooks');

    // Turning off one that was on by hand is not Atelier's doing: no question to /auth/me.
    const asked = api.calls.filter((call) => call === 'GET /api/auth/me').length;
    await webhooks.update(3, { enabled: false });
    await flushPromises();
    expect(api.calls.filter((call) => call === 'GET /api/auth/me')).toHaveLength(asked);

    await webhooks.remove(2);
    await flushPromises();
    expect(wrapper.find(notice).exists()).toBe(false);
    expect(session.disabledWebhooks).toBe(0);
  });
});
