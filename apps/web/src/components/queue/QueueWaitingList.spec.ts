import { flushPromises, mount, RouterLinkStub } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useQueueStore } from '../../stores/queue';
import { useSessionStore } from '../../stores/session';
import type { FakeApi } from '../../test/fake-api';
import { job } from '../../test/fake-comfy';
import { installFakeQueue, waitingJob, type FakeQueue } from '../../test/fake-queue';
import { installFakeApi, testUsers } from '../../test/install-fake-api';
import QueueWaitingList from './QueueWaitingList.vue';

let api: FakeApi;
let queue: FakeQueue;
const me = testUsers.user;

beforeEach(async () => {
  api = installFakeApi({ ...me });
  queue = installFakeQueue(api);
  await useSessionStore().ensureLoaded();
  for (const [i, caption] of ['ant', 'bee', 'cat', 'dog'].entries())
    api.comfy.jobs.push(waitingJob(job(`w${i + 1}`, me, 'waiting', { caption }), i + 1));
  await useQueueStore().load();
});

afterEach(() => {
  document.body.innerHTML = '';
});

const mountList = () =>
  mount(QueueWaitingList, { attachTo: document.body, global: { stubs: { RouterLink: RouterLinkStub } } });
const shown = (wrapper: ReturnType<typeof mount>) =>
  wrapper.findAll('[data-testid="waiting-job"]').map((item) => item.attributes('data-prompt-id'));
const handle = (wrapper: ReturnType<typeof mount>, id: string) => wrapper.get(`[data-handle="${id}"]`);

describe('QueueWaitingList', () => {
  it('moves a job with the keyboard and keeps the focus on it', async () => {
    const wrapper = mountList();
    expect(shown(wrapper)).toEqual(['w1', 'w2', 'w3', 'w4']);
    expect(handle(wrapper, 'w3').attributes('aria-label')).toContain('cat: position 3 of 4');

    await handle(wrapper, 'w3').trigger('keydown', { key: 'ArrowUp' });
    await flushPromises();
    expect(shown(wrapper)).toEqual(['w1', 'w3', 'w2', 'w4']);
    expect(document.activeElement?.getAttribute('data-handle')).toBe('w3');
    expect(wrapper.get('[aria-live="polite"]').text()).toBe('cat: position 2 of 4.');

    await handle(wrapper, 'w3').trigger('keydown', { key: 'Home' });
    await handle(wrapper, 'w2').trigger('keydown', { key: 'End' });
    await flushPromises();
    await vi.waitFor(() => expect(shown(wrapper)).toEqual(['w3', 'w1', 'w4', 'w2']));
    expect(queue.moves).toEqual([
      { prompt_id: 'w3', position: 2 },
      { prompt_id: 'w3', position: 'top' },
      { prompt_id: 'w2', position: 'bottom' },
    ]);
  });

  it('has buttons for every move, disabled where a job cannot go', async () => {
    const wrapper = mountList();
    const button = (name: string) =>
      wrapper.findAll('button').find((b) => (b.attributes('aria-label') ?? b.text()) === name)!;
    expect(button('To top: ant').attributes('disabled')).toBeDefined();
    expect(button('Down: dog').attributes('disabled')).toBeDefined();
    await button('To top: dog').trigger('click');
    await flushPromises();
    expect(shown(wrapper)).toEqual(['w4', 'w1', 'w2', 'w3']);
    await button('Cancel: bee').trigger('click');
    await flushPromises();
    await vi.waitFor(() => expect(shown(wrapper)).toEqual(['w4', 'w1', 'w3']));
    expect(api.comfy.cancelled).toEqual(['w2']);
  });

  it('drops a dragged job before or after the one under the pointer', async () => {
    const wrapper = mountList();
    const items = () => wrapper.findAll('li');
    const dataTransfer = { setData: () => undefined, effectAllowed: '' };
    await items()[3]!.trigger('dragstart', { dataTransfer });
    // happy-dom lays nothing out (every box is 0 tall): y 0 is the upper half, y 1 the lower.
    await items()[1]!.trigger('dragover', { clientY: 0 });
    expect(items()[1]!.classes()).toContain('queue-waiting__item--before');
    await items()[1]!.trigger('drop');
    await flushPromises();
    expect(shown(wrapper)).toEqual(['w1', 'w4', 'w2', 'w3']);
    expect(queue.moves.at(-1)).toEqual({ prompt_id: 'w4', position: 2 });

    await items()[0]!.trigger('dragstart', { dataTransfer });
    await items()[3]!.trigger('dragover', { clientY: 1 });
    await items()[3]!.trigger('drop');
    await flushPromises();
    expect(shown(wrapper)).toEqual(['w4', 'w2', 'w3', 'w1']);
    expect(queue.moves.at(-1)).toEqual({ prompt_id: 'w1', position: 'bottom' });
  });
});
