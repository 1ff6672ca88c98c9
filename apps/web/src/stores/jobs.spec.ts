import { flushPromises } from '@vue/test-utils';
import { beforeEach, describe, expect, it } from 'vitest';
import type { FakeApi } from '../test/fake-api';
import { installFakeApi } from '../test/install-fake-api';
import { FakeEventSource } from '../test/fake-event-source';
import { galleryImage, job } from '../test/fake-comfy';
import { useGalleryStore } from './gallery';
import { useJobsStore } from './jobs';
import { useNotificationsStore } from './notifications';
import { useSessionStore } from './session';

let api: FakeApi;
const me = { id: 2, username: 'cora', role: 'curator' } as const;
const image = { filename: 'r.png', subfolder: '', type: 'output' } as const;

beforeEach(async () => {
  api = installFakeApi({ ...me });
  await useSessionStore().ensureLoaded();
});

describe('jobs store', () => {
  it('loads my history and follows again the jobs still queued or running (a reload mid-job)', async () => {
    api.comfy.jobs = [job('run', me, 'running'), job('wait', me, 'queued'), job('old', me, 'succeeded')];
    api.comfy.jobs.push(job('theirs', { id: 9, username: 'x' }, 'running'));
    const store = useJobsStore();
    await store.load();
    expect(store.jobs.map((j) => j.prompt_id).sort()).toEqual(['old', 'run', 'wait']);
    expect(
      FakeEventSource.open()
        .map((s) => s.url)
        .sort(),
    ).toEqual(['/api/comfy/stream/run', '/api/comfy/stream/wait']);

    // Loading again (back to the page) neither duplicates jobs nor opens a second stream.
    await store.load();
    expect(store.jobs).toHaveLength(3);
    expect(FakeEventSource.instances).toHaveLength(2);
  });

  it('applies live events: queue position, progress, preview, images, completion', async () => {
    api.comfy.jobs = [job('p1', me, 'queued')];
    const store = useJobsStore();
    await store.load();
    const stream = FakeEventSource.for('p1');
    const current = () => store.jobs[0]!;

    stream.emit('status', 1, { prompt_id: 'p1', status: 'queued', queue_position: 2 });
    expect(current().queue_position).toBe(2);
    stream.emit('progress', 2, { prompt_id: 'p1', value: 3, max: 10, node: '3' });
    expect(current()).toMatchObject({ status: 'running', progress: { value: 3, max: 10, node: '3' } });
    expect(current().started_at).not.toBeNull();
    stream.emit('preview', 3, {
      prompt_id: 'p1',
      format: 'jpeg',
      mime: 'image/jpeg',
      seq: 7,
      url: '/api/comfy/jobs/p1/preview?seq=7',
    });
    expect(current().preview).toBe('/api/comfy/jobs/p1/preview?seq=7');
    stream.emit('images', 4, { prompt_id: 'p1', images: [image] });
    stream.emit('done', 5, { prompt_id: 'p1', status: 'succeeded' });

    expect(current()).toMatchObject({ status: 'succeeded', images: [image], preview: null });
    expect(current().finished_at).not.toBeNull();
    expect(stream.readyState).toBe(FakeEventSource.CLOSED);
    expect(useNotificationsStore().toasts.map((t) => t.title)).toContain('Your image is ready');
  });

  it('starts a job with the seed the server drew and follows it at once', async () => {
    const store = useJobsStore();
    const answer = await store.start({ caption: 'a heron', steps: 8 });
    expect(answer.seed).toBe(4242);
    expect(store.jobs[0]).toMatchObject({
      prompt_id: 'prompt-1',
      status: 'queued',
      params: { caption: 'a heron', steps: 8, seed: 4242 },
      owner: { username: 'cora' },
    });
    expect(store.jobs[0]?.workflow).toHaveProperty('3');
    expect(FakeEventSource.for('prompt-1').url).toBe('/api/comfy/stream/prompt-1');
  });

  it('runs a workflow template (optionally an older version) and follows the job like any other', async () => {
    const store = useJobsStore();
    const answer = await store.runTemplate('test_pattern', { width: 64 });
    expect(answer.params).toEqual({ width: 64, seed: 77 });
    expect(api.comfy.workflowRuns).toEqual([{ name: 'test_pattern', params: { width: 64 } }]);
    expect(store.jobs[0]).toMatchObject({
      prompt_id: 'run-1',
      kind: 'workflow',
      params: { template: 'test_pattern', values: { width: 64, seed: 77 } },
    });
    expect(FakeEventSource.for('run-1').url).toBe('/api/comfy/stream/run-1');
    await store.runTemplate('test_pattern', {}, 'abcdefabcdef');
    expect(api.comfy.workflowRuns[1]).toEqual({ name: 'test_pattern', params: {}, version: 'abcdefabcdef' });
  });

  it('queues a graph of my own and follows it', async () => {
    const store = useJobsStore();
    const graph = { '1': { class_type: 'EmptyImage', inputs: {} } };
    const answer = await store.queueGraph(graph);
    expect(api.comfy.queued).toEqual([graph]);
    expect(store.jobs[0]).toMatchObject({ prompt_id: answer.prompt_id, kind: 'workflow', params: null });
    expect(FakeEventSource.for(answer.prompt_id).url).toBe(`/api/comfy/stream/${answer.prompt_id}`);
  });

  it('cancels through the API and lets the stream report the end', async () => {
    api.comfy.jobs = [job('p1', me, 'running')];
    const store = useJobsStore();
    await store.load();
    await store.cancel('p1');
    expect(api.comfy.cancelled).toEqual(['p1']);
    expect(store.jobs[0]?.isCancelling).toBe(true);
    FakeEventSource.for('p1').emit('done', 1, { prompt_id: 'p1', status: 'interrupted' });
    expect(store.jobs[0]).toMatchObject({ status: 'interrupted', isCancelling: false });
  });

  it('saves chosen results to the gallery and marks them saved', async () => {
    api.comfy.jobs = [job('p1', me, 'succeeded')];
    api.comfy.gallery = [galleryImage(1)];
    const gallery = useGalleryStore();
    await gallery.load();
    const store = useJobsStore();
    await store.load();
    const result = store.jobs[0]!.images[0]!;
    await store.saveToGallery('p1', [result]);
    expect(store.jobs[0]?.savedImages).toEqual(['output//p1.png']);
    expect(gallery.images.map((i) => i.id)).toEqual([2, 1]);
    expect(useNotificationsStore().toasts.map((t) => t.title)).toContain('Saved to the gallery');
  });

  it('pages through older jobs', async () => {
    api.comfy.jobsPageSize = 2;
    api.comfy.jobs = ['a', 'b', 'c'].map((id) => job(id, me, 'succeeded'));
    const store = useJobsStore();
    await store.load();
    expect(store.jobs).toHaveLength(2);
    await store.loadMore();
    expect(store.jobs.map((j) => j.prompt_id)).toEqual(['a', 'b', 'c']);
    expect(store.nextCursor).toBeNull();
  });

  it('forgets the jobs and closes their streams when another user signs in', async () => {
    api.comfy.jobs = [job('p1', me, 'running')];
    const store = useJobsStore();
    await store.load();
    const session = useSessionStore();
    await session.logout();
    await flushPromises();
    expect(store.jobs).toEqual([]);
    expect(FakeEventSource.open()).toEqual([]);
  });
});
