import { beforeEach, describe, expect, it } from 'vitest';
import { appConfig } from '../config';
import type { FakeApi } from '../test/fake-api';
import { galleryImage } from '../test/fake-comfy';
import { installFakeApi, testUsers } from '../test/install-fake-api';
import { useGallerySearchStore } from './gallery-search';
import { useGallerySelectionStore } from './gallery-selection';

let api: FakeApi;

/** Newest first: 3 lighthouses that differ only by seed (one stack), then 70 single images. */
beforeEach(() => {
  api = installFakeApi(testUsers.curator);
  const stacked = [300, 299, 298].map((id) => {
    const image = galleryImage(id);
    return { ...image, params: { ...image.params, positive: 'red lighthouse' } };
  });
  api.comfy.gallery = [...stacked, ...Array.from({ length: 70 }, (_, i) => galleryImage(200 - i))];
});

const state = (search = {}, similar: number | null = null) => ({ search, similar });

describe('gallery search store', () => {
  it('loads the first page with its count and facets, then the next pages', async () => {
    const store = useGallerySearchStore();
    await store.show(state());
    expect(store.items).toHaveLength(appConfig.galleryPageSize);
    expect(store.total).toEqual({ count: 71, isExact: true });
    await expect.poll(() => store.facets?.checkpoints[0]).toEqual({ value: 'sdxl.safetensors', count: 73 });
    await store.loadMore();
    expect(store.items).toHaveLength(71);
    expect(store.hasMore).toBe(false);
  });

  it('does not reload the same search, and drops the answer of a superseded one', async () => {
    const store = useGallerySearchStore();
    const first = store.show(state({ q: 'lighthouse' }));
    const second = store.show(state({ q: 'image 150' }));
    await Promise.all([first, second]);
    expect(store.items.map((item) => item.id)).toEqual([150]);
    await store.show(state({ q: 'image 150' }));
    expect(api.calls.filter((c) => c === 'GET /api/gallery/images')).toHaveLength(2);
  });

  it('opens a stack in place and closes it again', async () => {
    const store = useGallerySearchStore();
    await store.show(state({ q: 'lighthouse' }));
    expect(store.tiles.map((t) => [t.item.id, t.stack?.count])).toEqual([[300, 3]]);
    const key = store.tiles[0]!.stack!.key;
    await store.toggleStack(key);
    expect(store.tiles.map((t) => t.item.id)).toEqual([300, 299, 298]);
    expect(store.tiles.every((t) => t.openStack === key)).toBe(true);
    await store.toggleStack(key);
    expect(store.tiles.map((t) => t.item.id)).toEqual([300]);
  });

  it('flattens the stacks when they are switched off', async () => {
    const store = useGallerySearchStore();
    await store.show(state({ q: 'lighthouse', stacks: false }));
    expect(store.tiles.map((t) => t.item.id)).toEqual([300, 299, 298]);
    expect(store.tiles.every((t) => t.stack === null)).toBe(true);
  });

  it('shows the API’s problems with the query and no results', async () => {
    const store = useGallerySearchStore();
    await store.show(state({ q: 'fail:x' }));
    expect(store.status).toBe('error');
    expect(store.queryErrors).toEqual(['unknown filter fail:']);
    expect(store.items).toEqual([]);
  });

  it('lists the images like one image in place of the search', async () => {
    const store = useGallerySearchStore();
    await store.show(state({}, 150));
    expect(store.items).toHaveLength(72);
    expect(store.items.some((item) => item.id === 150)).toBe(false);
    expect(store.hasMore).toBe(false);
  });
});

describe('gallery selection store', () => {
  it('compares 2–4 side by side and shows what varies for 2–50', async () => {
    const selection = useGallerySelectionStore();
    selection.toggle(galleryImage(300));
    expect(selection.canCompare).toBe(false);
    await selection.open('varies');
    expect(selection.view).toBe('none');
    selection.toggle(galleryImage(299));
    await selection.open('varies');
    expect(selection.view).toBe('varies');
    expect(selection.comparison).toEqual({
      ids: [300, 299],
      shared: { checkpoint: 'sdxl.safetensors', positive: 'red lighthouse' },
      varies: { seed: [300, 299] },
    });
    for (const id of [1, 2, 3]) selection.toggle(galleryImage(id));
    expect(selection.canCompare).toBe(false);
    await selection.open('compare');
    expect(selection.view).toBe('varies');
    selection.toggle(galleryImage(300));
    selection.toggle(galleryImage(3));
    selection.toggle(galleryImage(2));
    expect(selection.ids).toEqual([299, 1]);
    await selection.open('compare');
    expect(selection.view).toBe('compare');
    selection.clear();
    expect([selection.count, selection.view]).toEqual([0, 'none']);
  });

  it('keeps more than 50 picks for bulk actions, but "what varies" takes 2–50', () => {
    const selection = useGallerySelectionStore();
    for (let id = 1; id <= 52; id++) selection.toggle(galleryImage(id));
    expect(selection.count).toBe(52);
    expect(selection.ids[0]).toBe(1);
    expect(selection.canShowVaries).toBe(false);
    selection.toggle(galleryImage(52));
    selection.toggle(galleryImage(51));
    expect(selection.canShowVaries).toBe(true);
  });
});
