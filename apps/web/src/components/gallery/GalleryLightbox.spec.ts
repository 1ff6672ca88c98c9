import { flushPromises, mount } from '@vue/test-utils';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory } from 'vue-router';
import { createAppRouter } from '../../router';
import { useGenerateStore } from '../../stores/generate';
import { createFakeApi, type FakeApi } from '../../test/fake-api';
import { galleryImage } from '../../test/fake-comfy';
import GalleryLightbox from './GalleryLightbox.vue';

let api: FakeApi;

beforeEach(() => {
  localStorage.clear();
  api = createFakeApi();
  api.signedIn = { id: 3, username: 'ursula', role: 'user' };
  api.comfy.gallery = [galleryImage(2), galleryImage(1)];
  vi.stubGlobal('fetch', api.fetch);
});

afterEach(() => {
  document.body.innerHTML = '';
});

async function mountLightbox(index = 0, imageIndex = Math.max(index, 0)) {
  const pinia = createPinia();
  setActivePinia(pinia);
  const router = createAppRouter(createMemoryHistory());
  await router.push('/gallery');
  const opener = document.createElement('button');
  document.body.append(opener);
  opener.focus();
  const wrapper = mount(GalleryLightbox, {
    props: { image: api.comfy.gallery[imageIndex]!, index, total: 2, hasMore: false },
    global: { plugins: [pinia, router] },
    attachTo: document.body,
  });
  await flushPromises();
  return { wrapper, router, opener };
}

describe('GalleryLightbox', () => {
  it('is a modal dialog that takes focus and gives it back', async () => {
    const { wrapper, opener } = await mountLightbox();
    const dialog = wrapper.get('[role="dialog"]');
    expect(dialog.attributes('aria-modal')).toBe('true');
    expect(document.getElementById(dialog.attributes('aria-labelledby')!)?.textContent).toBe('Image 2');
    expect(document.activeElement?.getAttribute('aria-label')).toBe('Close');
    wrapper.unmount();
    expect(document.activeElement).toBe(opener);
  });

  it('steps with ← and →, within bounds, and closes on Esc', async () => {
    const { wrapper } = await mountLightbox(0);
    await wrapper.trigger('keydown', { key: 'ArrowLeft' });
    await wrapper.trigger('keydown', { key: 'ArrowRight' });
    await wrapper.trigger('keydown', { key: 'Escape' });
    expect(wrapper.emitted('step')).toEqual([[1]]);
    expect(wrapper.emitted('close')).toHaveLength(1);
    await wrapper.setProps({ index: 1, image: api.comfy.gallery[1]! });
    await wrapper.trigger('keydown', { key: 'ArrowRight' });
    await wrapper.trigger('keydown', { key: 'ArrowLeft' });
    expect(wrapper.emitted('step')).toEqual([[1], [-1]]);
  });

  it('does not step from an image outside the results (opened along its lineage)', async () => {
    const { wrapper } = await mountLightbox(-1, 1);
    await wrapper.trigger('keydown', { key: 'ArrowLeft' });
    await wrapper.trigger('keydown', { key: 'ArrowRight' });
    expect(wrapper.emitted('step')).toBeUndefined();
    expect(wrapper.get('[aria-label="Next image"]').attributes('disabled')).toBeDefined();
    expect(wrapper.get('.lightbox__count').text()).toBe('');
  });

  it('shows the parent and the children, and opens one when its thumbnail is chosen', async () => {
    api.comfy.gallery = [galleryImage(3), galleryImage(2), galleryImage(1)];
    api.comfy.parents = new Map([
      [2, 1],
      [3, 2],
    ]);
    const { wrapper } = await mountLightbox(0, 1);
    await vi.waitFor(() => expect(wrapper.find('[data-testid="lineage"]').exists()).toBe(true));
    const parent = wrapper.get('[aria-label="Open image 1, the image this one was made from"]');
    expect(parent.get('img').attributes('src')).toBe('/api/gallery/images/1/thumbnail');
    await wrapper.get('[aria-label="Open image 3, made from this one"]').trigger('click');
    await parent.trigger('click');
    expect(wrapper.emitted('open')).toEqual([[3], [1]]);

    // An image with no relatives shows no lineage at all.
    api.comfy.gallery.push(galleryImage(9));
    await wrapper.setProps({ image: galleryImage(9) });
    await flushPromises();
    expect(wrapper.find('[data-testid="lineage"]').exists()).toBe(false);
  });

  it('keeps Tab inside the dialog', async () => {
    const { wrapper } = await mountLightbox(0);
    const focusable = wrapper.findAll('a[href], button:not([disabled])');
    const last = focusable.at(-1)!.element as HTMLElement;
    last.focus();
    await wrapper.trigger('keydown', { key: 'Tab' });
    expect(document.activeElement).toBe(focusable[0]!.element);
    await wrapper.trigger('keydown', { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(last);
  });

  it('shows the provenance, a download link, and loads the settings back into Generate', async () => {
    const { wrapper, router } = await mountLightbox(0);
    const provenance = wrapper.get('[data-testid="provenance"]').text();
    expect(provenance).toContain('image 2');
    expect(provenance).toContain('p-2');
    expect(wrapper.get('a[download]').attributes('href')).toBe('/api/gallery/images/2/file?download=1');
    // A plain user may not delete.
    expect(wrapper.text()).not.toContain('Delete');
    const reuse = wrapper.findAll('button').find((b) => b.text().includes('Use these settings'))!;
    await reuse.trigger('click');
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('generate'));
    expect(useGenerateStore().draft).toMatchObject({ caption: 'image 2', seed: 2, isSeedLocked: true });
  });

  it('rates with the keys 0–5 and adds tags for a curator; another user’s image stays read-only', async () => {
    api.signedIn = { id: 2, username: 'cora', role: 'curator' };
    const { wrapper } = await mountLightbox(0);
    await vi.waitFor(() => expect(wrapper.find('[data-testid="curation"]').exists()).toBe(true));
    await wrapper.trigger('keydown', { key: '4' });
    await vi.waitFor(() => expect(api.comfy.gallery[0]!.rating).toBe(4));
    await vi.waitFor(() =>
      expect(wrapper.get('[aria-label="4 stars"]').attributes('aria-pressed')).toBe('true'),
    );
    await wrapper.get('input[aria-label="Add tags"]').setValue('Golden Hour, sky');
    await wrapper.get('form.tag-input').trigger('submit');
    await vi.waitFor(() =>
      expect(api.comfy.gallery[0]!.tags).toEqual(expect.arrayContaining(['golden-hour', 'sky'])),
    );
    wrapper.unmount();

    api.signedIn = { id: 3, username: 'ursula', role: 'user' };
    const asUser = await mountLightbox(1);
    await vi.waitFor(() => expect(asUser.wrapper.find('[data-testid="curation"]').exists()).toBe(true));
    await asUser.wrapper.trigger('keydown', { key: '5' });
    await flushPromises();
    expect(api.comfy.gallery[1]!.rating).not.toBe(5);
    expect(asUser.wrapper.find('input[aria-label="Add tags"]').exists()).toBe(false);
  });
});
