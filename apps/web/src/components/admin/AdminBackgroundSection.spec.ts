import type { BackgroundOverview } from '@atelier/contract';
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useSessionStore } from '../../stores/session';
import { installFakeApi, testUsers } from '../../test/install-fake-api';
import AdminBackgroundSection from './AdminBackgroundSection.vue';

/** The background routes on top of the fake API: one queue with one failed job until it is retried. */
let overview: BackgroundOverview;
const retried: string[] = [];

beforeEach(async () => {
  const api = installFakeApi({ ...testUsers.admin });
  overview = {
    mode: 'redis',
    queues: [
      {
        name: 'gallery.trash-purge',
        counts: { waiting: 0, active: 1, delayed: 0, failed: 1 },
        failed: [
          {
            id: 'p-7',
            name: 'gallery.trash-purge',
            reason: 'disk full',
            attempts: 3,
            failedAt: '2025-01-01T10:00:00Z',
          },
        ],
      },
    ],
  };
  retried.length = 0;
  vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(input instanceof Request ? input.url : input, 'http://localhost');
    const method = init?.method ?? 'GET';
    if (method === 'GET' && url.pathname === '/api/admin/background')
      return Promise.resolve(Response.json(overview));
    const retry = /^\/api\/admin\/background\/([^/]+)\/([^/]+)\/retry$/.exec(url.pathname);
    if (method === 'POST' && retry) {
      retried.push(`${retry[1]}/${retry[2]}`);
      overview.queues[0]!.failed = [];
      overview.queues[0]!.counts.failed = 0;
      return Promise.resolve(new Response(null, { status: 204 }));
    }
    return api.fetch(input, init);
  });
  await useSessionStore().ensureLoaded();
});

afterEach(() => {
  document.body.innerHTML = '';
});

describe('AdminBackgroundSection', () => {
  it('lists each queue with its counts and failed jobs, and retries one', async () => {
    const wrapper = mount(AdminBackgroundSection, { attachTo: document.body });
    await flushPromises();
    expect(wrapper.text()).toContain('Shared by every replica');
    expect(wrapper.text()).toContain('gallery.trash-purge');
    const list = wrapper.get('[aria-label="Failed jobs of gallery.trash-purge"]');
    expect(list.text()).toContain('disk full');
    expect(list.text()).toContain('3 attempt(s)');

    await wrapper.get('button[aria-label="Retry job p-7 of gallery.trash-purge"]').trigger('click');
    await flushPromises();
    expect(retried).toEqual(['gallery.trash-purge/p-7']);
    // Reloaded: nothing failed any more.
    expect(wrapper.find('[aria-label="Failed jobs of gallery.trash-purge"]').exists()).toBe(false);
  });
});
