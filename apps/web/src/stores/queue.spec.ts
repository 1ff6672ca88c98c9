import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FakeApi } from '../test/fake-api';
import { job } from '../test/fake-comfy';
import { FakeEventSource } from '../test/fake-event-source';
import { installFakeQueue, waitingJob, type FakeQueue } from '../test/fake-queue';
import { installFakeApi, testUsers } from '../test/install-fake-api';
import { useJobsStore } from './jobs';
import { waitingPollMs } from './jobs-waiting';
import { useNotificationsStore } from './notifications';
import { useQueueStore } from './queue';
import { useSessionStore } from './session';

let api: FakeApi;
let queue: FakeQueue;
const me = testUsers.user;

async function signIn(user: typeof me | typeof testUsers.admin = me): Promise<void> {
  api = installFakeApi({ ...user });
  queue = installFakeQueue(api);
  await useSessionStore().ensureLoaded();
}

/** My waiting jobs `w1…wN` in that order, plus whatever else is given. */
function seedWaiting(count: number): void {
  for (let i = 1; i <= count; i++) api.comfy.jobs.push(waitingJob(job(`w${i}`, me, 'waiting'), i));
}

const order = () => useQueueStore().waiting.map((j) => j.prompt_id);
const toasts = () => useNotificationsStore().toasts.map((t) => t.title);

beforeEach(() => signIn());
afterEach(() => vi.useRealTimers());

describe('jobs store with a waiting queue', () => {
  it('streams the jobs on a GPU only: forty waiting jobs open no stream', async () => {
    api.comfy.jobs.push(job('run', me, 'running'));
    seedWaiting(40);
    const jobs = useJobsStore();
    await jobs.load();
    expect(FakeEventSource.open().map((s) => s.url)).toEqual(['/api/comfy/stream/run']);
    await jobs.refreshWaiting();
    expect(useQueueStore().waiting).toHaveLength(40);
    expect(jobs.jobs.find((j) => j.prompt_id === 'w7')?.waiting_position).toBe(7);
    expect(FakeEventSource.open()).toHaveLength(1);
  });

  it('takes a job missing from a full page of waiting jobs as waiting further back, not as started', async () => {
    // Newest first, as the history lists them: the first page holds the last twenty in the queue.
    for (let i = 120; i >= 1; i--) api.comfy.jobs.push(waitingJob(job(`w${i}`, me, 'waiting'), i));
    const jobs = useJobsStore();
    await jobs.load();
    await jobs.refreshWaiting();
    expect(FakeEventSource.open()).toHaveLength(0);
    expect(jobs.jobs.find((j) => j.prompt_id === 'w120')).toMatchObject({
      status: 'waiting',
      waiting_position: 120,
    });
    expect(useQueueStore().waiting).toHaveLength(120);
    // One within the page that is gone did leave: a GPU took it.
    api.comfy.jobs.find((j) => j.prompt_id === 'w1')!.status = 'queued';
    await jobs.refreshWaiting();
    expect(FakeEventSource.open().map((s) => s.url)).toEqual(['/api/comfy/stream/w1']);
  });

  it('opens the stream once a GPU takes a job, and shows its backend', async () => {
    seedWaiting(3);
    const jobs = useJobsStore();
    await jobs.load();
    const first = api.comfy.jobs.find((j) => j.prompt_id === 'w1')!;
    Object.assign(first, { status: 'queued', waiting_position: null, backend: { id: 2, name: 'gpu-b' } });
    await jobs.refreshWaiting();
    expect(FakeEventSource.open().map((s) => s.url)).toEqual(['/api/comfy/stream/w1']);
    expect(order()).toEqual(['w2', 'w3']);
    expect(jobs.jobs.find((j) => j.prompt_id === 'w2')?.waiting_position).toBe(1);
    await vi.waitFor(() => expect(jobs.jobs.find((j) => j.prompt_id === 'w1')?.backend?.name).toBe('gpu-b'));
    FakeEventSource.for('w1').emit('status', 1, { prompt_id: 'w1', status: 'running' });
    expect(jobs.jobs.find((j) => j.prompt_id === 'w1')?.status).toBe('running');
  });

  it('reads the waiting list again every few seconds while something waits, and stops after', async () => {
    vi.useFakeTimers();
    seedWaiting(1);
    const jobs = useJobsStore();
    await jobs.load();
    const reads = () => api.calls.filter((c) => c === 'GET /api/comfy/jobs').length;
    const before = reads();
    await vi.advanceTimersByTimeAsync(waitingPollMs);
    expect(reads()).toBe(before + 1);
    api.comfy.jobs[0]!.status = 'running';
    await vi.advanceTimersByTimeAsync(waitingPollMs);
    const after = reads();
    await vi.advanceTimersByTimeAsync(waitingPollMs * 3);
    // Nothing waits any more: only the summaries read when the job left, no more polling.
    expect(reads()).toBe(after);
  });

  it('a new job that waits is not streamed; one a GPU takes at once is', async () => {
    const jobs = useJobsStore();
    queue.newJobsWait = true;
    await jobs.start({ caption: 'a heron' });
    expect(jobs.jobs[0]).toMatchObject({ prompt_id: 'prompt-1', status: 'waiting', waiting_position: 1 });
    expect(FakeEventSource.open()).toHaveLength(0);
    queue.newJobsWait = false;
    await jobs.start({ caption: 'a crane' });
    expect(FakeEventSource.open().map((s) => s.url)).toEqual(['/api/comfy/stream/prompt-2']);
  });

  it('cancels a waiting job at once, without a stream, and the others move up', async () => {
    seedWaiting(3);
    const jobs = useJobsStore();
    await jobs.load();
    await jobs.cancel('w2');
    expect(jobs.jobs.find((j) => j.prompt_id === 'w2')).toMatchObject({
      status: 'interrupted',
      isCancelling: false,
    });
    await vi.waitFor(() => expect(jobs.jobs.find((j) => j.prompt_id === 'w3')?.waiting_position).toBe(2));
    expect(order()).toEqual(['w1', 'w3']);
    expect(api.comfy.cancelled).toEqual(['w2']);
    expect(toasts()).toContain('Generation cancelled');
  });

  it('retries a lost job as a new waiting job linked to it', async () => {
    api.comfy.jobs.push(job('gone', me, 'lost'));
    const jobs = useJobsStore();
    await jobs.load();
    expect(await jobs.retry('gone')).toBe('retry-1');
    expect(jobs.jobs.find((j) => j.prompt_id === 'retry-1')).toMatchObject({
      status: 'waiting',
      retry_of: 'gone',
      waiting_position: 1,
      params: { caption: 'a cat' },
    });
    expect(useQueueStore().retryable.map((j) => j.prompt_id)).toEqual(['gone']);
    // Only ended jobs are retried: the server's 409 becomes a toast, nothing is added.
    expect(await jobs.retry('retry-1')).toBeNull();
    expect(toasts()).toContain('Could not retry the job');
  });
});

describe('queue store', () => {
  it('moves a job to the top, one down and to the bottom, in the order the server keeps', async () => {
    seedWaiting(4);
    const store = useQueueStore();
    await store.load();
    expect(order()).toEqual(['w1', 'w2', 'w3', 'w4']);
    expect(await store.move('w3', 'top')).toBe(true);
    expect(order()).toEqual(['w3', 'w1', 'w2', 'w4']);
    expect(await store.move('w3', 'down')).toBe(true);
    expect(await store.move('w1', 'bottom')).toBe(true);
    await vi.waitFor(() =>
      expect(api.calls.filter((c) => c === 'GET /api/comfy/jobs').length).toBeGreaterThan(3),
    );
    expect(order()).toEqual(['w3', 'w2', 'w4', 'w1']);
    expect(queue.moves).toEqual([
      { prompt_id: 'w3', position: 'top' },
      { prompt_id: 'w3', position: 2 },
      { prompt_id: 'w1', position: 'bottom' },
    ]);
    // A drop is an index in the list as shown; already-there and off-the-end moves send nothing.
    expect(await store.move('w2', 0)).toBe(true);
    expect(await store.move('w2', 'up')).toBe(false);
    expect(queue.moves).toHaveLength(4);
  });

  it('puts the order back when the server refuses a move (the job started meanwhile)', async () => {
    seedWaiting(3);
    const store = useQueueStore();
    await store.load();
    api.comfy.jobs.find((j) => j.prompt_id === 'w3')!.status = 'running';
    expect(await store.move('w3', 'top')).toBe(false);
    expect(toasts()).toContain('Could not move the job');
    await vi.waitFor(() => expect(order()).toEqual(['w1', 'w2']));
    expect(FakeEventSource.open().map((s) => s.url)).toEqual(['/api/comfy/stream/w3']);
  });

  it('pauses and resumes my queue and switches automatic retry', async () => {
    const store = useQueueStore();
    await store.load();
    await store.setPaused(true);
    expect(store.state?.paused).toBe(true);
    await store.setAutoRetry(true);
    expect(queue.state.auto_retry).toBe(true);
    await store.setPaused(false);
    expect(store.state).toMatchObject({ paused: false, auto_retry: true });
    expect(api.calls).toEqual(
      expect.arrayContaining([
        'POST /api/comfy/queue/pause',
        'PATCH /api/comfy/queue',
        'POST /api/comfy/queue/resume',
      ]),
    );
    // Everyone's pause is for admins: the 403 becomes a toast, the state stays.
    await store.setAllPaused(true);
    expect(store.state?.all_paused).toBe(false);
    expect(toasts()).toContain('Could not pause every queue');
  });

  it('lets an admin pause and resume every queue', async () => {
    await signIn(testUsers.admin);
    const store = useQueueStore();
    await store.load();
    await store.setAllPaused(true);
    expect(store.state?.all_paused).toBe(true);
    expect(toasts()).toContain('Every queue is paused');
    await store.setAllPaused(false);
    expect(queue.state.all_paused).toBe(false);
  });
});
