import { flushPromises } from '@vue/test-utils';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { http } from '../api/http';
import type { FakeApi } from '../test/fake-api';
import { installFakeApi, testUsers } from '../test/install-fake-api';
import { installFakeXhr } from '../test/fake-xhr';
import { useNotificationsStore } from './notifications';
import { useUploadsStore } from './uploads';

let api: FakeApi;
const png = () => new Blob([new Uint8Array(1000)], { type: 'image/png' });

beforeEach(() => {
  api = installFakeApi(testUsers.user);
});

describe('uploads store', () => {
  it('sends the part `image` with kind and ephemeral, reports progress, and answers the upload', async () => {
    const xhr = installFakeXhr(api.fetch, 'manual');
    const uploads = useUploadsStore();
    const done = uploads.upload(png(), { key: 'mask', kind: 'mask', ephemeral: true, filename: 'mask.png' });
    await flushPromises();
    const [request] = xhr.requests;
    expect(request?.url).toBe('/api/comfy/upload');
    expect(request?.method).toBe('POST');
    expect((request?.body?.get('image') as File).name).toBe('mask.png');
    expect(request?.body?.get('kind')).toBe('mask');
    expect(request?.body?.get('ephemeral')).toBe('true');
    expect(uploads.taskOf('mask')).toEqual({ status: 'uploading', progress: 0, error: null });
    expect(uploads.isUploading).toBe(true);

    request?.progress(250, 1000);
    expect(uploads.taskOf('mask')?.progress).toBe(0.25);
    await request?.finish();
    const upload = await done;
    expect(upload).toMatchObject({
      kind: 'mask',
      ephemeral: true,
      width: 640,
      image: api.comfy.inputUploads[0]?.image,
    });
    expect(uploads.taskOf('mask')).toEqual({ status: 'done', progress: 1, error: null });
    expect(uploads.isUploading).toBe(false);
  });

  it('leaves out kind and ephemeral when not asked, so the server defaults apply', async () => {
    const xhr = installFakeXhr(api.fetch);
    await useUploadsStore().upload(png());
    expect(xhr.requests[0]?.body?.get('kind')).toBeNull();
    expect(xhr.requests[0]?.body?.get('ephemeral')).toBeNull();
  });

  it('refreshes an expired session once and sends the bytes again', async () => {
    const xhr = installFakeXhr(api.fetch);
    api.expireAccess();
    const upload = await useUploadsStore().upload(png());
    expect(upload.id).toBe(1);
    expect(xhr.requests).toHaveLength(2);
    expect(api.calls).toEqual(['POST /api/comfy/upload', 'POST /api/auth/refresh', 'POST /api/comfy/upload']);
  });

  it('a session that cannot be refreshed is reported once, like any call, and the upload fails', async () => {
    installFakeXhr(api.fetch);
    api.expireAccess();
    api.isRefreshValid = false;
    const signedOut = vi.fn();
    http.onUnauthenticated(signedOut);
    await expect(useUploadsStore().upload(png())).rejects.toMatchObject({ status: 401 });
    expect(signedOut).toHaveBeenCalledTimes(1);
    http.onUnauthenticated(null);
  });

  it('says why the server refused the file, beside it and without a toast', async () => {
    installFakeXhr(api.fetch);
    api.comfy.failures.push({
      path: '/api/comfy/upload',
      status: 400,
      code: 'validation_failed',
      details: { image: ['image could not be decoded'] },
    });
    const uploads = useUploadsStore();
    await expect(uploads.upload(png(), { key: 'a' })).rejects.toMatchObject({ status: 400 });
    expect(uploads.taskOf('a')).toEqual({
      status: 'error',
      progress: 0,
      error: 'image could not be decoded',
    });
    expect(useNotificationsStore().toasts).toEqual([]);
  });

  it('a type the server refuses is an error with its message, and a toast', async () => {
    installFakeXhr(api.fetch);
    const uploads = useUploadsStore();
    await expect(
      uploads.upload(new Blob(['GIF89a'], { type: 'image/gif' }), { key: 'a' }),
    ).rejects.toMatchObject({
      status: 415,
      code: 'unsupported_media_type',
    });
    expect(uploads.taskOf('a')?.error).toBe('Only PNG, JPEG and WebP images are accepted.');
    expect(useNotificationsStore().toasts.map((t) => t.title)).toEqual(['Could not upload the image']);
  });

  it('a new upload under the same key cancels the one under way', async () => {
    const xhr = installFakeXhr(api.fetch, 'manual');
    const uploads = useUploadsStore();
    const first = uploads.upload(png(), { key: 'k' }).catch((e: unknown) => e);
    await flushPromises();
    const second = uploads.upload(png(), { key: 'k' });
    await flushPromises();
    expect(await first).toMatchObject({ name: 'AbortError' });
    expect(xhr.requests[0]?.isAborted).toBe(true);
    await xhr.requests[1]?.finish();
    await expect(second).resolves.toMatchObject({ id: 1 });
    expect(uploads.taskOf('k')?.status).toBe('done');
  });
});
