import type { BulkRequest, BulkResponse } from '@atelier/contract';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { FakeApi } from '../test/fake-api';
import { galleryImage } from '../test/fake-comfy';
import { installFakeApi, testUsers } from '../test/install-fake-api';
import { useGalleryBulkStore } from './gallery-bulk';
import { useGallerySelectionStore } from './gallery-selection';
import { useNotificationsStore } from './notifications';

let api: FakeApi;
let posted: BulkRequest[];
let answers: (BulkResponse | { status: number })[];

/** The fake API, with POST /api/gallery/bulk answering from `answers` and recording what was sent. */
beforeEach(() => {
  api = installFakeApi(testUsers.curator);
  api.comfy.gallery = [1, 2, 3, 4].map((id) => galleryImage(id));
  posted = [];
  answers = [];
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : input instanceof URL ? input.href : input;
    if (!url.endsWith('/api/gallery/bulk')) return api.fetch(input, init);
    posted.push(JSON.parse(init?.body as string) as BulkRequest);
    const answer = answers.shift() ?? { affected: 0, skipped: 0, undo: null };
    if ('status' in answer)
      return new Response(JSON.stringify({ code: 'internal', message: 'boom' }), {
        status: answer.status,
        headers: { 'content-type': 'application/json' },
      });
    return new Response(JSON.stringify(answer), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  });
});

const undoTag: BulkRequest = { selection: { ids: [2, 3] }, action: { type: 'untag', tags: ['sky'] } };

describe('gallery bulk store', () => {
  it('sends "all matching" as the query, and Undo posts each undo request', async () => {
    const selection = useGallerySelectionStore();
    selection.selectAllMatching({ q: 'sky' }, 120);
    expect(selection.count).toBe(120);
    answers.push({ affected: 2, skipped: 1, undo: [undoTag] });
    const bulk = useGalleryBulkStore();
    await bulk.run({ type: 'tag', tags: ['sky'] });
    expect(posted[0]).toEqual({ selection: { query: { q: 'sky' } }, action: { type: 'tag', tags: ['sky'] } });

    const toast = useNotificationsStore().toasts.at(-1)!;
    expect(toast.title).toBe('Tagged 2 images sky');
    expect(toast.message).toContain('1 skipped');
    expect(toast.action?.label).toBe('Undo');
    toast.action!.run();
    await vi.waitFor(() => expect(posted).toHaveLength(2));
    expect(posted[1]).toEqual(undoTag);
    await vi.waitFor(() => expect(useNotificationsStore().toasts.at(-1)?.title).toBe('Undone'));
  });

  it('offers no Undo when the answer has none (review decisions) or nothing changed', async () => {
    const selection = useGallerySelectionStore();
    selection.toggle(galleryImage(1));
    answers.push({ affected: 1, skipped: 0, undo: null }, { affected: 0, skipped: 0, undo: [undoTag] });
    const bulk = useGalleryBulkStore();
    await bulk.run({ type: 'approve' });
    expect(posted[0]!.selection).toEqual({ ids: [1] });
    expect(useNotificationsStore().toasts.at(-1)?.action).toBeUndefined();
    await bulk.run({ type: 'rate', rating: 4 });
    expect(useNotificationsStore().toasts.at(-1)?.action).toBeUndefined();
  });

  it('stops undoing at the first failure and says so', async () => {
    answers.push({ status: 500 });
    const done = await useGalleryBulkStore().undoWith([undoTag, undoTag]);
    expect(done).toBe(false);
    expect(posted).toHaveLength(1);
    expect(useNotificationsStore().toasts.at(-1)).toMatchObject({ kind: 'error', title: 'Could not undo' });
  });

  it('a trash clears the selection (the images leave the view); a failure keeps it', async () => {
    const selection = useGallerySelectionStore();
    selection.toggle(galleryImage(1));
    answers.push({ status: 500 }, { affected: 1, skipped: 0, undo: null });
    const bulk = useGalleryBulkStore();
    expect(await bulk.run({ type: 'trash' })).toBeNull();
    expect(selection.count).toBe(1);
    await bulk.run({ type: 'trash' });
    expect(selection.count).toBe(0);
  });
});

describe('gallery selection store', () => {
  const shown = [5, 4, 3, 2, 1].map((id) => galleryImage(id));

  it('Shift-click adds a range, Ctrl-click toggles, and compare follows the picks', () => {
    const selection = useGallerySelectionStore();
    selection.pick(shown, 1, { isRange: false, isToggle: true });
    selection.pick(shown, 3, { isRange: true, isToggle: false });
    expect(selection.ids).toEqual([4, 3, 2]);
    expect(selection.canCompare).toBe(true);
    selection.pick(shown, 2, { isRange: false, isToggle: true });
    expect(selection.ids).toEqual([4, 2]);
    expect(selection.selection).toEqual({ ids: [4, 2] });
  });

  it('"all matching" replaces the picks, cannot be compared, and a click goes back to picks', () => {
    const selection = useGallerySelectionStore();
    selection.toggle(shown[0]!);
    selection.selectAllMatching({ q: 'cat' }, 5000, false);
    expect(selection.isMatching).toBe(true);
    expect(selection.count).toBe(5000);
    expect(selection.ids).toEqual([]);
    expect(selection.canShowVaries).toBe(false);
    selection.pick(shown, 0, { isRange: false, isToggle: true });
    expect(selection.isMatching).toBe(false);
    expect(selection.selection).toEqual({ ids: [5] });
    selection.clear();
    expect(selection.count).toBe(0);
  });
});
