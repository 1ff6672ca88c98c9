import type { ManagedComfyStatus } from '@atelier/contract';
import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useComfyHealthStore } from '../../stores/comfy-health';
import { useNotificationsStore } from '../../stores/notifications';
import { createFakeApi, type FakeApi } from '../../test/fake-api';
import AdminComfyStatus from './AdminComfyStatus.vue';

let api: FakeApi;

const readyProcess = (): ManagedComfyStatus => ({
  state: 'ready',
  port: 8190,
  url: 'http://127.0.0.1:8190',
  pid: 4242,
  attempt: 1,
  restarts: 2,
  last_error: 'exited with code 1',
  last_log_lines: ['Starting server', 'To see the GUI go to: http://127.0.0.1:8190'],
  started_at: '2025-01-01T10:00:00.000Z',
});

beforeEach(() => {
  api = createFakeApi();
  api.signedIn = { id: 1, username: 'admin', role: 'admin' };
  vi.stubGlobal('fetch', api.fetch);
});

async function mountStatus() {
  const pinia = createPinia();
  setActivePinia(pinia);
  await useComfyHealthStore().refresh();
  const wrapper = mount(AdminComfyStatus, { global: { plugins: [pinia] } });
  await flushPromises();
  return wrapper;
}

describe('AdminComfyStatus with managed mode', () => {
  it('shows nothing of managed mode when ComfyUI runs elsewhere', async () => {
    const wrapper = await mountStatus();
    expect(wrapper.find('[data-testid="comfy-managed-state"]').exists()).toBe(false);
    expect(wrapper.text()).not.toContain('Restart ComfyUI');
  });

  it('shows the process: state, port, pid, restarts, last error and the last lines behind <details>', async () => {
    api.comfy.managed = readyProcess();
    const wrapper = await mountStatus();
    expect(wrapper.get('[data-testid="comfy-managed-state"]').text()).toBe('ready');
    const text = wrapper.text();
    for (const expected of ['8190', '4242', 'Restarts2', 'Last error: exited with code 1']) {
      expect(text.replace(/\s+/g, '')).toContain(expected.replace(/\s+/g, ''));
    }
    const details = wrapper.get('details');
    expect(details.attributes('open')).toBeUndefined();
    expect(details.get('summary').text()).toBe('Last output (2 lines)');
    expect(details.get('pre').text()).toBe('Starting server\nTo see the GUI go to: http://127.0.0.1:8190');
  });

  it('restarts ComfyUI on request and shows the new state', async () => {
    api.comfy.managed = readyProcess();
    const wrapper = await mountStatus();
    const button = wrapper.findAll('button').find((b) => b.text() === 'Restart ComfyUI');
    if (!button) throw new Error('no restart button');
    await button.trigger('click');
    await flushPromises();
    expect(api.calls).toContain('POST /api/admin/comfy/managed/restart');
    expect(wrapper.get('[data-testid="comfy-managed-state"]').text()).toBe('initializing');
    expect(wrapper.text().replace(/\s+/g, '')).toContain('Restarts3');
    expect(useNotificationsStore().toasts.map((t) => t.title)).toContain('ComfyUI is restarting');
  });

  it('says so when the restart is refused', async () => {
    api.comfy.managed = readyProcess();
    vi.stubGlobal('fetch', (input: string, init?: RequestInit) =>
      input.endsWith('/admin/comfy/managed/restart')
        ? Promise.resolve(
            new Response(JSON.stringify({ code: 'conflict', message: 'Atelier is shutting down' }), {
              status: 409,
              headers: { 'content-type': 'application/json' },
            }),
          )
        : api.fetch(input, init),
    );
    const wrapper = await mountStatus();
    await wrapper
      .findAll('button')
      .find((b) => b.text() === 'Restart ComfyUI')
      ?.trigger('click');
    await flushPromises();
    expect(useNotificationsStore().toasts).toContainEqual(
      expect.objectContaining({
        kind: 'error',
        title: 'Could not restart ComfyUI',
        message: 'Atelier is shutting down',
      }),
    );
  });
});
