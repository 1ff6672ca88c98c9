import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory } from 'vue-router';
import { createAppRouter } from '../../router';
import { useComfyHealthStore } from '../../stores/comfy-health';
import { useSessionStore } from '../../stores/session';
import { createFakeApi, type FakeApi } from '../../test/fake-api';
import ComfyStatusBanner from './ComfyStatusBanner.vue';

let api: FakeApi;

beforeEach(() => {
  api = createFakeApi();
  vi.stubGlobal('fetch', api.fetch);
});

async function mountBanner(role: 'admin' | 'user') {
  api.signedIn = { id: 1, username: 'a', role };
  const pinia = createPinia();
  setActivePinia(pinia);
  await useSessionStore().ensureLoaded();
  await useComfyHealthStore().refresh();
  const router = createAppRouter(createMemoryHistory());
  // Navigate before mounting, so no lazy route is still loading when the test ends.
  await router.push('/forbidden');
  const wrapper = mount(ComfyStatusBanner, { global: { plugins: [pinia, router] } });
  await flushPromises();
  return wrapper;
}

describe('ComfyStatusBanner', () => {
  it('is silent while ComfyUI is up', async () => {
    expect((await mountBanner('user')).find('[data-testid="comfy-banner"]').exists()).toBe(false);
  });

  it('says when the integration is off, and sends admins to turn it on', async () => {
    api.comfy.enabled = false;
    const asUser = await mountBanner('user');
    expect(asUser.text()).toContain('ComfyUI is switched off');
    expect(asUser.text()).toContain('Ask an administrator');
    const asAdmin = await mountBanner('admin');
    expect(asAdmin.get('a').attributes('href')).toBe('/admin');
  });

  it('says when ComfyUI is unreachable, with the watchdog’s last error', async () => {
    api.comfy.state = 'down';
    const wrapper = await mountBanner('user');
    expect(wrapper.get('[data-testid="comfy-banner"]').text()).toContain('ComfyUI is unreachable');
  });
});
