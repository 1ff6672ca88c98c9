import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { defineComponent, h } from 'vue';
import { useComfyHealthStore } from '../stores/comfy-health';
import { createFakeApi, type FakeApi } from '../test/fake-api';
import { useWhenComfyOn } from './useWhenComfyOn';

let api: FakeApi;

beforeEach(() => {
  api = createFakeApi();
  api.signedIn = { id: 1, username: 'admin', role: 'admin' };
  vi.stubGlobal('fetch', api.fetch);
  setActivePinia(createPinia());
});

function mountPage(load: () => void) {
  const Page = defineComponent(() => {
    const { isDisabled } = useWhenComfyOn(load);
    return () => h('p', isDisabled.value ? 'off' : 'on');
  });
  return mount(Page);
}

describe('useWhenComfyOn', () => {
  it('checks health first, then loads once when the integration is on', async () => {
    const load = vi.fn();
    const wrapper = mountPage(load);
    await flushPromises();
    expect(api.calls).toContain('GET /api/comfy/health');
    expect(load).toHaveBeenCalledTimes(1);
    expect(wrapper.text()).toBe('on');
  });

  it('waits while it is off and loads when it is switched on', async () => {
    api.comfy.enabled = false;
    const load = vi.fn();
    const wrapper = mountPage(load);
    await flushPromises();
    expect(load).not.toHaveBeenCalled();
    expect(wrapper.text()).toBe('off');
    api.comfy.enabled = true;
    await useComfyHealthStore().refresh();
    await flushPromises();
    expect(load).toHaveBeenCalledTimes(1);
    expect(wrapper.text()).toBe('on');
  });

  it('does not ask for health again when it is known already', async () => {
    await useComfyHealthStore().refresh();
    const before = api.calls.length;
    const load = vi.fn();
    mountPage(load);
    await flushPromises();
    expect(api.calls.slice(before)).not.toContain('GET /api/comfy/health');
    expect(load).toHaveBeenCalledTimes(1);
  });
});
