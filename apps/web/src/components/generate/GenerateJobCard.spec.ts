import { flushPromises, mount, RouterLinkStub } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useJobsStore, type JobView } from '../../stores/jobs';
import { useSessionStore } from '../../stores/session';
import { createFakeApi, type FakeApi } from '../../test/fake-api';
import { job } from '../../test/fake-comfy';
import { FakeEventSource } from '../../test/fake-event-source';
import { installFakeQueue, waitingJob } from '../../test/fake-queue';
import GenerateJobCard from './GenerateJobCard.vue';

let api: FakeApi;

beforeEach(() => {
  api = createFakeApi();
  vi.stubGlobal('fetch', api.fetch);
  vi.stubGlobal('EventSource', FakeEventSource);
  vi.stubGlobal(
    'URL',
    Object.assign(URL, { createObjectURL: () => 'blob:result', revokeObjectURL: () => {} }),
  );
  FakeEventSource.reset();
  setActivePinia(createPinia());
});

afterEach(() => {
  document.body.innerHTML = '';
});

async function mountCard(role: 'user' | 'curator', status: JobView['status']) {
  api.signedIn = { id: 2, username: 'cora', role };
  await useSessionStore().ensureLoaded();
  api.comfy.jobs = [job('p1', api.signedIn, status)];
  const store = useJobsStore();
  await store.load();
  const wrapper = mount(GenerateJobCard, {
    props: { job: store.jobs[0]! },
    attachTo: document.body,
    global: { stubs: { RouterLink: RouterLinkStub } },
  });
  await flushPromises();
  return { wrapper, store };
}

const previewEvent = {
  prompt_id: 'p1',
  format: 'jpeg',
  mime: 'image/jpeg',
  seq: 7,
  url: '/api/comfy/jobs/p1/preview?seq=7',
} as const;

describe('GenerateJobCard', () => {
  it('shows the queue, then the running node, the step bar and the live preview; cancel works', async () => {
    const { wrapper, store } = await mountCard('user', 'queued');
    const stream = FakeEventSource.for('p1');
    stream.emit('status', 1, { prompt_id: 'p1', status: 'queued', queue_position: 2 });
    await flushPromises();
    expect(wrapper.text()).toContain('Waiting — 2 ahead in the queue');

    store.jobs[0]!.workflow = { '3': { class_type: 'KSampler' } };
    stream.emit('progress', 2, { prompt_id: 'p1', value: 5, max: 20, node: '3' });
    stream.emit('preview', 3, previewEvent);
    await flushPromises();
    expect(wrapper.text()).toContain('Running KSampler (node 3)');
    const bar = wrapper.get('[role="progressbar"]');
    expect([bar.attributes('aria-valuenow'), bar.attributes('aria-valuemax')]).toEqual(['5', '20']);
    expect(wrapper.get('.job-progress__fill').attributes('style')).toContain('width: 25%');
    const preview = () => wrapper.get('img[alt^="Live preview"]');
    expect(preview().attributes('src')).toBe('/api/comfy/jobs/p1/preview?seq=7');
    // The next preview replaces it in place; one the server no longer has falls back to the last shown.
    await preview().trigger('load');
    stream.emit('preview', 4, { ...previewEvent, seq: 8, url: '/api/comfy/jobs/p1/preview?seq=8' });
    await flushPromises();
    expect(preview().attributes('src')).toBe('/api/comfy/jobs/p1/preview?seq=8');
    await preview().trigger('error');
    expect(preview().attributes('src')).toBe('/api/comfy/jobs/p1/preview?seq=7');
    // Should that one fail too, the preview goes rather than show a broken image.
    await preview().trigger('error');
    expect(wrapper.find('img[alt^="Live preview"]').exists()).toBe(false);
    expect(wrapper.get('[data-testid="job-status"]').text()).toBe('Running');

    await wrapper
      .findAll('button')
      .find((b) => b.text().includes('Cancel'))!
      .trigger('click');
    await flushPromises();
    expect(api.comfy.cancelled).toEqual(['p1']);
  });

  it('lets a curator select results and save them approved; a plain user keeps them private', async () => {
    const { wrapper } = await mountCard('curator', 'succeeded');
    await vi.waitFor(() => expect(wrapper.find('img[alt="Result 1"]').exists()).toBe(true));
    const save = () => wrapper.findAll('button').find((b) => b.text().includes('to gallery'))!;
    expect(save().attributes('disabled')).toBeDefined();
    await wrapper.get('input[type="checkbox"]').setValue(true);
    expect(save().text()).toBe('Save 1 to gallery');
    await save().trigger('click');
    await flushPromises();
    expect(api.comfy.gallery).toHaveLength(1);
    expect(wrapper.text()).toContain('In gallery');
    expect(wrapper.find('input[type="checkbox"]').exists()).toBe(false);

    wrapper.unmount();
    setActivePinia(createPinia());
    const asUser = await mountCard('user', 'succeeded');
    await vi.waitFor(() => expect(asUser.wrapper.find('img[alt="Result 1"]').exists()).toBe(true));
    expect(asUser.wrapper.text()).not.toContain('to gallery');
    await asUser.wrapper.get('input[type="checkbox"]').setValue(true);
    const keep = asUser.wrapper.findAll('button').find((b) => b.text().includes('private'))!;
    expect(keep.text()).toBe('Keep 1 private');
    await keep.trigger('click');
    await flushPromises();
    expect(api.comfy.gallery[0]).toMatchObject({ status: 'private', prompt_id: 'p1' });
    expect(asUser.wrapper.text()).toContain('In gallery');
  });

  it('shows why a job failed', async () => {
    const { wrapper } = await mountCard('user', 'running');
    FakeEventSource.for('p1').emit('error', 1, {
      prompt_id: 'p1',
      message: 'CUDA out of memory',
      node_type: 'KSampler',
    });
    FakeEventSource.for('p1').emit('done', 2, { prompt_id: 'p1', status: 'failed' });
    await flushPromises();
    expect(wrapper.get('[role="alert"]').text()).toBe('CUDA out of memory (in KSampler)');
    expect(wrapper.find('[role="progressbar"]').exists()).toBe(false);
  });

  it('says a waiting job waits for a GPU, with its place, and opens no stream for it', async () => {
    api.signedIn = { id: 2, username: 'cora', role: 'user' };
    await useSessionStore().ensureLoaded();
    api.comfy.jobs = [
      waitingJob(job('w0', api.signedIn, 'waiting'), 1),
      waitingJob(job('p1', api.signedIn, 'waiting'), 2),
    ];
    const store = useJobsStore();
    await store.load();
    const wrapper = mount(GenerateJobCard, {
      props: { job: store.jobs.find((j) => j.prompt_id === 'p1')! },
      global: { stubs: { RouterLink: RouterLinkStub } },
    });
    expect(wrapper.get('[data-testid="job-status"]').text()).toBe('Waiting');
    expect(wrapper.text()).toContain('Waiting for a GPU — #2 in your queue');
    expect(FakeEventSource.instances).toHaveLength(0);
  });

  it('names the backend and the GPU time of a finished job, and retries a failed one', async () => {
    const queue = installFakeQueue(api);
    api.signedIn = { id: 2, username: 'cora', role: 'user' };
    await useSessionStore().ensureLoaded();
    api.comfy.jobs = [
      { ...job('done', api.signedIn, 'succeeded'), backend: { id: 2, name: 'gpu-b' }, gpu_seconds: 12.5 },
      job('bad', api.signedIn, 'failed'),
    ];
    const store = useJobsStore();
    await store.load();
    const done = mount(GenerateJobCard, {
      props: { job: store.jobs.find((j) => j.prompt_id === 'done')! },
      global: { stubs: { RouterLink: RouterLinkStub } },
    });
    expect(done.text()).toContain('on gpu-b');
    expect(done.text()).toContain('12.5 GPU-s');
    expect(done.findAll('button').some((b) => b.text() === 'Retry')).toBe(false);

    const bad = mount(GenerateJobCard, {
      props: { job: store.jobs.find((j) => j.prompt_id === 'bad')! },
      global: { stubs: { RouterLink: RouterLinkStub } },
    });
    await bad
      .findAll('button')
      .find((b) => b.text() === 'Retry')!
      .trigger('click');
    await flushPromises();
    expect(queue.retried).toEqual(['bad']);
    expect(store.jobs.find((j) => j.retry_of === 'bad')).toMatchObject({
      status: 'waiting',
      waiting_position: 1,
    });
  });
});
