import { beforeEach, describe, expect, it } from 'vitest';
import { appConfig } from '../config';
import type { FakeApi } from '../test/fake-api';
import { installFakeApi, testUsers } from '../test/install-fake-api';
import { galleryImage } from '../test/fake-comfy';
import { useGalleryStore } from './gallery';

let api: FakeApi;

beforeEach(() => {
  api = installFakeApi(testUsers.curator);
  // Newest first, as the API keeps them.
  api.comfy.gallery = Array.from({ length: appConfig.galleryPageSize + 5 }, (_, i) => galleryImage(1000 - i));
});

describe('gallery store', () => {
  it('loads keyset pages newest first until there are no more', async () => {
    const store = useGalleryStore();
    await store.load();
    expect(store.images).toHaveLength(appConfig.galleryPageSize);
    expect(store.images[0]?.id).toBe(1000);
    expect(store.hasMore).toBe(true);
    await store.loadMore();
    expect(store.images).toHaveLength(appConfig.galleryPageSize + 5);
    expect(store.hasMore).toBe(false);
    await store.loadMore();
    expect(api.calls.filter((c) => c === 'GET /api/gallery/images')).toHaveLength(2);
  });

  it('shows an empty gallery as empty, and a failure as an error', async () => {
    api.comfy.gallery = [];
    const store = useGalleryStore();
    await store.load();
    expect(store.isEmpty).toBe(true);
    api.comfy.failures.push({ path: '/api/gallery/images', status: 500, code: 'internal' });
    await store.load({ force: true });
    expect(store.status).toBe('error');
    expect(store.error?.code).toBe('internal');
  });

  it('fetches an image’s provenance once', async () => {
    const store = useGalleryStore();
    const first = await store.loadDetail(999);
    const again = await store.loadDetail(999);
    expect(again).toBe(first);
    expect(first.provenance.params).toMatchObject({ caption: 'image 999' });
    expect(api.calls.filter((c) => c === 'GET /api/gallery/images/999')).toHaveLength(1);
  });

  it('puts freshly saved images on top and drops deleted ones', async () => {
    const store = useGalleryStore();
    await store.load();
    store.addIngested([galleryImage(2000), galleryImage(1000)]);
    expect(store.images.slice(0, 2).map((i) => i.id)).toEqual([2000, 1000]);
    expect(store.images.filter((i) => i.id === 1000)).toHaveLength(1);
    expect(await store.remove(1000)).toBe(true);
    expect(store.images.some((i) => i.id === 1000)).toBe(false);
    expect(api.comfy.gallery.some((i) => i.id === 1000)).toBe(false);
  });
});
