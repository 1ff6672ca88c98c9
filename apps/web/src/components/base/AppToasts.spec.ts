import { mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import { useNotificationsStore } from '../../stores/notifications';
import AppToasts from './AppToasts.vue';

describe('AppToasts', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    setActivePinia(createPinia());
  });
  afterEach(() => vi.useRealTimers());

  it('announces toasts in a polite live region', async () => {
    const wrapper = mount(AppToasts);
    useNotificationsStore().success({ title: 'User created', message: 'Role: curator' });
    await nextTick();
    const region = wrapper.get('[aria-live="polite"]');
    expect(region.text()).toContain('User created');
    expect(region.text()).toContain('Role: curator');
    wrapper.unmount();
  });

  it('closes a toast from its labelled dismiss button', async () => {
    const wrapper = mount(AppToasts);
    useNotificationsStore().error({ title: 'Could not save' });
    await nextTick();
    await wrapper.get('button[aria-label="Dismiss notification: Could not save"]').trigger('click');
    expect(useNotificationsStore().toasts).toHaveLength(0);
    wrapper.unmount();
  });

  it('holds a toast while the pointer is on it', async () => {
    const wrapper = mount(AppToasts);
    const store = useNotificationsStore();
    store.info({ title: 'Hover me', timeoutMs: 1000 });
    await nextTick();
    await wrapper.get('li').trigger('mouseenter');
    vi.advanceTimersByTime(5000);
    expect(store.toasts).toHaveLength(1);
    await wrapper.get('li').trigger('mouseleave');
    vi.advanceTimersByTime(1000);
    expect(store.toasts).toHaveLength(0);
    wrapper.unmount();
  });
});
