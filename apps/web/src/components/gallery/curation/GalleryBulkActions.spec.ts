import type { BulkRequest } from '@atelier/contract';
import { flushPromises, mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { useGallerySelectionStore } from '../../../stores/gallery-selection';
import { useSessionStore } from '../../../stores/session';
import type { FakeApi } from '../../../test/fake-api';
import { galleryImage } from '../../../test/fake-comfy';
import { installFakeApi, testUsers } from '../../../test/install-fake-api';
import GalleryBulkActions from './GalleryBulkActions.vue';
import GallerySelectionBar from '../GallerySelectionBar.vue';

let api: FakeApi;
let posted: BulkRequest[];

function signIn(user: (typeof testUsers)[keyof typeof testUsers]): void {
  api = installFakeApi(user);
  posted = [];
  vi.stubGlobal('fetch', async (input: string, init?: RequestInit) => {
    if (!input.endsWith('/api/gallery/bulk')) return api.fetch(input, init);
    posted.push(JSON.parse(init?.body as string) as BulkRequest);
    return new Response(JSON.stringify({ affected: 2, skipped: 0, undo: null }), {
      status: 200,
      headers: { 'content-type': 'application/json' },
    });
  });
}

const button = (wrapper: ReturnType<typeof mount>, name: string) =>
  wrapper.findAll('button').find((one) => one.text() === name);

describe('GalleryBulkActions', () => {
  beforeEach(() => signIn(testUsers.curator));

  it('rejects "all matching" with the note the curator writes', async () => {
    await useSessionStore().ensureLoaded();
    useGallerySelectionStore().selectAllMatching({ q: 'fog' }, 2);
    const wrapper = mount(GalleryBulkActions, { props: { mode: 'gallery', boardId: null } });
    await button(wrapper, 'Reject')!.trigger('click');
    await wrapper.get('input[aria-label="Why is it rejected?"]').setValue('  too dark  ');
    await wrapper.get('form.reject-form').trigger('submit');
    await flushPromises();
    expect(posted).toEqual([
      { selection: { query: { q: 'fog' } }, action: { type: 'reject', note: 'too dark' } },
    ]);
    expect(wrapper.find('form.reject-form').exists()).toBe(false);
  });

  it('offers review decisions to curators only, and only Restore in the trash', async () => {
    signIn(testUsers.user);
    await useSessionStore().ensureLoaded();
    const asUser = mount(GalleryBulkActions, { props: { mode: 'gallery', boardId: null } });
    expect(button(asUser, 'Approve')).toBeUndefined();
    expect(button(asUser, 'Submit for review')).toBeDefined();
    const trash = mount(GalleryBulkActions, { props: { mode: 'trash', boardId: null } });
    expect(trash.findAll('button').map((one) => one.text())).toEqual(['Restore']);
    useGallerySelectionStore().toggle(galleryImage(4));
    await button(trash, 'Restore')!.trigger('click');
    await flushPromises();
    expect(posted).toEqual([{ selection: { ids: [4] }, action: { type: 'restore' } }]);
  });
});

describe('GallerySelectionBar', () => {
  beforeEach(() => signIn(testUsers.curator));

  it('says "all N matching" for a search selection and hides compare', () => {
    const wrapper = mount(GallerySelectionBar, {
      props: { count: 1200, isMatching: true, isExact: false, canShowVaries: false, canCompare: false },
    });
    expect(wrapper.get('[data-testid="selection-count"]').text()).toBe('All about 1200 matching');
    expect(button(wrapper, 'Compare')).toBeUndefined();
  });
});
