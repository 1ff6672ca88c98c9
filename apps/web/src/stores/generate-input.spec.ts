import { flushPromises } from '@vue/test-utils';
import { beforeEach, describe, expect, it } from 'vitest';
import type { FakeApi } from '../test/fake-api';
import { installFakeXhr } from '../test/fake-xhr';
import { installFakeApi, testUsers } from '../test/install-fake-api';
import { useGenerateStore } from './generate';
import { useUploadsStore } from './uploads';

let api: FakeApi;
const png = () => new Blob([new Uint8Array(64)], { type: 'image/png' });

beforeEach(() => {
  api = installFakeApi(testUsers.user);
});

describe('generate store: input images', () => {
  it('img2img from an input: image and denoise go out, no size while it follows the input', async () => {
    installFakeXhr(api.fetch);
    const store = useGenerateStore();
    store.draft.caption = 'a fox';
    const upload = await store.useAsInput(png(), 'fox.png');
    expect(store.draft.image).toEqual(upload);
    expect(await store.submit()).toBe(true);
    expect(api.comfy.txt2imgRequests[0]).toEqual({
      caption: 'a fox',
      steps: 20,
      cfg: 7,
      batch_size: 1,
      image: upload.image,
      denoise: 0.75,
    });
    store.draft.matchInputSize = false;
    store.draft.denoise = 0.3;
    await store.submit();
    expect(api.comfy.txt2imgRequests[1]).toMatchObject({ width: 1024, height: 1024, denoise: 0.3 });
    store.clearInput();
    expect(store.draft).toMatchObject({ image: null, mask: null });
  });

  it('a new input drops the mask painted for the one before', async () => {
    installFakeXhr(api.fetch);
    const store = useGenerateStore();
    const first = await store.useAsInput(png(), 'a.png');
    store.draft.mask = { ...first, kind: 'mask' };
    store.setInput({ ...first, id: 9 });
    expect(store.draft.mask).toBeNull();
  });

  it('uses a job result or a gallery image as input: fetched, uploaded again', async () => {
    installFakeXhr(api.fetch);
    const store = useGenerateStore();
    await store.useAsInputFrom({ image: { filename: 'r.png', subfolder: '', type: 'output', backend: 2 } });
    expect(api.calls).toContain('GET /api/comfy/view');
    expect(store.draft.image?.id).toBe(1);
    api.comfy.failures.push({
      method: 'GET',
      path: '/api/gallery/images/7/file',
      status: 404,
      code: 'gallery.not_found',
    });
    await expect(store.useAsInputFrom({ galleryId: 7 })).rejects.toMatchObject({ status: 404 });
    expect(store.draft.image?.id).toBe(1);
  });

  it('before-submit steps may change the request; a mask they add takes width and height out', async () => {
    const store = useGenerateStore();
    store.draft.caption = 'inpaint me';
    const seen: unknown[] = [];
    const remove = store.onBeforeSubmit((params) => {
      seen.push({ ...params });
      return { ...params, image: 'atelier/i.png', mask: 'atelier/m.png' };
    });
    expect(await store.submit()).toBe(true);
    expect(seen).toEqual([expect.objectContaining({ width: 1024, height: 1024 })]);
    const sent = api.comfy.txt2imgRequests[0];
    expect(sent).toMatchObject({ image: 'atelier/i.png', mask: 'atelier/m.png' });
    expect(sent).not.toHaveProperty('width');
    remove();
    store.onBeforeSubmit(() => Promise.reject(new Error('mask upload failed')));
    expect(await store.submit()).toBe(false);
    expect(api.comfy.txt2imgRequests).toHaveLength(1);
  });

  it('does not submit while an input image is still uploading', async () => {
    const xhr = installFakeXhr(api.fetch, 'manual');
    const store = useGenerateStore();
    store.draft.caption = 'wait';
    const pending = store.useAsInput(png(), 'slow.png');
    await flushPromises();
    expect(useUploadsStore().isUploading).toBe(true);
    expect(await store.submit()).toBe(false);
    await xhr.requests[0]?.finish();
    await pending;
    expect(await store.submit()).toBe(true);
    expect(api.comfy.txt2imgRequests).toHaveLength(1);
  });
});
