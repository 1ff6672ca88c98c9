import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FakeApi } from '../test/fake-api';
import { samplePng } from '../test/fake-comfy';
import { installFakeApi, testUsers } from '../test/install-fake-api';
import { fetchComfyImage } from './comfy-call';
import { useComfyHealthStore } from './comfy-health';
import { useComfyInfoStore } from './comfy-info';
import { useGalleryStore } from './gallery';
import { useJobsStore } from './jobs';
import { useNotificationsStore } from './notifications';

let api: FakeApi;
const txt2imgPath = '/api/comfy/txt2img';
const titles = () => useNotificationsStore().toasts.map((t) => t.title);

beforeEach(() => {
  vi.useFakeTimers();
  api = installFakeApi(testUsers.curator);
  // No jitter: each backoff is exactly half its ceiling.
  vi.spyOn(Math, 'random').mockReturnValue(0);
});

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

const generate = (params: Parameters<ReturnType<typeof useJobsStore>['start']>[0]) =>
  useJobsStore().start(params);
const calls = (path: string) => api.calls.filter((c) => c.endsWith(path)).length;

describe('calls to ComfyUI: retries', () => {
  it('backs off exponentially on 503, tells the user each time, then succeeds', async () => {
    api.comfy.failures.push(
      { path: txt2imgPath, status: 503, code: 'comfy.upstream_error' },
      { path: txt2imgPath, status: 503, code: 'comfy.upstream_error' },
    );
    const result = generate({ caption: 'a fox' });
    await vi.advanceTimersByTimeAsync(0);
    expect(calls(txt2imgPath)).toBe(1);
    expect(titles()).toEqual(['ComfyUI is busy — retrying in 1 s (attempt 2/4)']);

    await vi.advanceTimersByTimeAsync(249);
    expect(calls(txt2imgPath)).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls(txt2imgPath)).toBe(2);
    // One retry toast at a time: the second replaces the first.
    expect(titles()).toEqual(['ComfyUI is busy — retrying in 1 s (attempt 3/4)']);

    await vi.advanceTimersByTimeAsync(499);
    expect(calls(txt2imgPath)).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toMatchObject({ prompt_id: 'prompt-1', seed: 4242 });
    expect(calls(txt2imgPath)).toBe(3);
    expect(titles()).toEqual([]);
    // Every retry carries the same Idempotency-Key, so the server queues the job once.
    const keys = api.headers
      .filter((_, i) => api.calls[i]?.endsWith(txt2imgPath))
      .map((h) => h['idempotency-key']);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[\w-]{16,}$/);
  });

  it('waits as long as Retry-After says', async () => {
    api.comfy.failures.push({
      path: txt2imgPath,
      status: 429,
      code: 'rate_limited',
      headers: { 'retry-after': '3' },
    });
    const result = generate({ caption: 'a fox' });
    await vi.advanceTimersByTimeAsync(2999);
    expect(calls(txt2imgPath)).toBe(1);
    expect(titles()).toEqual(['ComfyUI is busy — retrying in 3 s (attempt 2/4)']);
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toMatchObject({ prompt_id: 'prompt-1', seed: 4242 });
    expect(api.comfy.txt2imgRequests).toHaveLength(1);
  });

  it('gives up after four attempts with an error toast, and shows ComfyUI as down', async () => {
    for (let i = 0; i < 4; i++) api.comfy.failures.push({ path: txt2imgPath, status: 502 });
    const result = generate({ caption: 'a fox' }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(250 + 500 + 1000);
    expect(await result).toMatchObject({ status: 502, code: 'comfy.unreachable' });
    expect(calls(txt2imgPath)).toBe(4);
    expect(titles()).toEqual(['Could not start the generation']);
    expect(useComfyHealthStore().availability).toBe('down');
  });

  it('never retries a 400 validation error, and leaves it to the form (no toast)', async () => {
    await expect(generate({ caption: '' })).rejects.toMatchObject({
      status: 400,
      code: 'validation_failed',
      fieldErrors: { caption: ['caption must not be empty'] },
    });
    expect(calls(txt2imgPath)).toBe(1);
    expect(titles()).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not retry a 422 but says why', async () => {
    api.comfy.failures.push({
      path: txt2imgPath,
      status: 422,
      code: 'comfy.unsupported_feature',
      message: 'This server lacks DetailDaemonSamplerNode',
    });
    await expect(generate({ caption: 'a', detail_daemon: true })).rejects.toMatchObject({
      status: 422,
    });
    expect(calls(txt2imgPath)).toBe(1);
    expect(useNotificationsStore().toasts[0]).toMatchObject({
      title: 'Could not start the generation',
      message: 'This server lacks DetailDaemonSamplerNode',
    });
  });

  it('fetches images through the view URL with the same retry policy', async () => {
    api.comfy.failures.push({ path: '/api/comfy/view', status: 504, code: 'comfy.timeout' });
    const image = fetchComfyImage({ filename: 'a b.png', subfolder: 'x', type: 'output' });
    await vi.advanceTimersByTimeAsync(0);
    expect(titles()).toEqual(['ComfyUI is slow to answer — retrying in 1 s (attempt 2/4)']);
    await vi.advanceTimersByTimeAsync(250);
    const blob = await image;
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(samplePng);
    expect(calls('/api/comfy/view')).toBe(2);
  });
});

describe('calls to ComfyUI: ingest and object info', () => {
  it('posts a result as multipart with prompt id, workflow and metadata', async () => {
    const result = await useGalleryStore().upload({
      prompt_id: 'p-1',
      image: { filename: 'out.png', subfolder: '', type: 'output' },
      workflow: { '9': { class_type: 'SaveImage' } },
      metadata: { params: { caption: 'a fox' } },
    });
    expect(result.image.prompt_id).toBe('upload');
    const form = api.comfy.uploads[0]!;
    expect(form.get('prompt_id')).toBe('p-1');
    expect(JSON.parse(form.get('workflow') as string)).toEqual({ '9': { class_type: 'SaveImage' } });
    expect(JSON.parse(form.get('metadata') as string)).toEqual({ params: { caption: 'a fox' } });
    const file = form.get('file') as File;
    expect(file.name).toBe('out.png');
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(samplePng);
  });

  it('keeps chosen results of a job through ingest/from-job', async () => {
    const images = [{ filename: 'a.png', subfolder: '', type: 'output' as const }];
    const items = await useJobsStore().saveToGallery('p-9', images);
    expect(items).toHaveLength(1);
    expect(items[0]?.image.prompt_id).toBe('p-9');
  });

  it('reads object_info, asking for a refresh only when told', async () => {
    const info = useComfyInfoStore();
    await info.ensureLoaded();
    expect(Object.keys(info.objectInfo ?? {})).toContain('KSampler');
    await info.refresh();
    expect(api.calls.filter((c) => c.includes('object-info'))).toHaveLength(2);
  });

  it('stays quiet about a switched-off integration when only reading the catalogue', async () => {
    api.comfy.enabled = false;
    const info = useComfyInfoStore();
    await info.ensureLoaded();
    expect(info.error).toMatchObject({ code: 'comfy.disabled' });
    expect(titles()).toEqual([]);
  });
});
