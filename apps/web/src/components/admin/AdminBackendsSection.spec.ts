import { flushPromises, mount, RouterLinkStub } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { useSessionStore } from '../../stores/session';
import { backendView, installFakeQueue, type FakeQueue } from '../../test/fake-queue';
import { installFakeApi, testUsers } from '../../test/install-fake-api';
import AdminBackendsSection from './AdminBackendsSection.vue';

let queue: FakeQueue;

beforeEach(async () => {
  const api = installFakeApi({ ...testUsers.admin });
  queue = installFakeQueue(api);
  queue.backends.push(backendView(2, 'gpu-b', { in_flight: 3, latency_ms: 41.6 }));
  await useSessionStore().ensureLoaded();
});

afterEach(() => {
  document.body.innerHTML = '';
});

async function mountSection() {
  const wrapper = mount(AdminBackendsSection, {
    attachTo: document.body,
    global: { stubs: { RouterLink: RouterLinkStub } },
  });
  await flushPromises();
  const button = (name: string) =>
    wrapper.findAll('button').find((b) => (b.attributes('aria-label') ?? b.text()) === name);
  return { wrapper, button };
}

describe('AdminBackendsSection', () => {
  it('lists each backend with its state, jobs in flight and latency', async () => {
    const { wrapper } = await mountSection();
    const row = wrapper.get('[data-testid="backend-row-gpu-b"]');
    expect(row.text()).toContain('Up');
    expect(row.findAll('td').map((td) => td.text())).toContain('3');
    expect(row.text()).toContain('42 ms');
    expect(wrapper.text()).toContain('2 of 2 up');
    // The default backend cannot be deleted, so it offers no Delete.
    expect(wrapper.get('[data-testid="backend-row-default"]').text()).not.toContain('Delete');
  });

  it('drains a backend, and deletes one only once confirmed', async () => {
    const { wrapper, button } = await mountSection();
    await button('Drain: gpu-b')!.trigger('click');
    await flushPromises();
    expect(queue.backends[1]?.draining).toBe(true);
    expect(wrapper.get('[data-testid="backend-row-gpu-b"]').text()).toContain('Draining');

    await button('Delete: gpu-b')!.trigger('click');
    await flushPromises();
    expect(wrapper.get('[role="group"]').attributes('aria-label')).toBe('Delete gpu-b?');
    // The safe answer has the focus; taking it deletes nothing.
    expect(document.activeElement?.textContent?.trim()).toBe('Keep it');
    await button('Keep it')!.trigger('click');
    expect(queue.backends).toHaveLength(2);

    await button('Delete: gpu-b')!.trigger('click');
    await flushPromises();
    await button('Delete for good')!.trigger('click');
    await flushPromises();
    expect(queue.backends.map((b) => b.name)).toEqual(['default']);
    expect(wrapper.find('[data-testid="backend-row-gpu-b"]').exists()).toBe(false);
  });

  it('adds a backend from the form and shows what the server refused', async () => {
    const { wrapper, button } = await mountSection();
    await button('Add a backend')!.trigger('click');
    const inputs = () => wrapper.get('form').findAll('input');
    await inputs()[0]!.setValue('gpu-c');
    await inputs()[1]!.setValue('gopher://nope');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(wrapper.get('form').text()).toContain('url must be http(s)');
    await inputs()[1]!.setValue('http://10.0.0.3:8188');
    await inputs()[3]!.setValue('SDXL, 24gb');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(queue.backends[2]).toMatchObject({ name: 'gpu-c', tags: ['sdxl', '24gb'] });
    expect(wrapper.find('form').exists()).toBe(false);
    expect(wrapper.get('[data-testid="backend-row-gpu-c"]').text()).toContain('Connecting');
  });
});
