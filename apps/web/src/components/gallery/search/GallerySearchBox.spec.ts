import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { FakeApi } from '../../../test/fake-api';
import { galleryImage } from '../../../test/fake-comfy';
import { installFakeApi, testUsers } from '../../../test/install-fake-api';
import GallerySearchBox from './GallerySearchBox.vue';

let api: FakeApi;

beforeEach(() => {
  api = installFakeApi(testUsers.curator);
  const other = galleryImage(2);
  api.comfy.gallery = [galleryImage(1), { ...other, params: { ...other.params, checkpoint: 'sd15.ckpt' } }];
});

afterEach(() => {
  vi.useRealTimers();
  document.body.innerHTML = '';
});

function mountBox(q = '') {
  return mount(GallerySearchBox, { props: { q, serverErrors: [] }, attachTo: document.body });
}

async function type(wrapper: ReturnType<typeof mountBox>, text: string) {
  const input = wrapper.get('input');
  const element = input.element as HTMLInputElement;
  element.value = text;
  element.setSelectionRange(text.length, text.length);
  await input.trigger('input');
}

describe('GallerySearchBox', () => {
  it('is a labelled search field', () => {
    const wrapper = mountBox('cat');
    const input = wrapper.get('input');
    expect(wrapper.get(`label[for="${input.attributes('id')}"]`).text()).toBe('Search images');
    expect((input.element as HTMLInputElement).value).toBe('cat');
  });

  it('suggests values after model: from the API; arrows move, Enter accepts', async () => {
    const wrapper = mountBox();
    await type(wrapper, 'red model:sd');
    await vi.waitFor(() => expect(wrapper.findAll('[role="option"]')).toHaveLength(2));
    expect(api.calls).toContain('GET /api/gallery/values');
    const input = wrapper.get('input');
    expect(input.attributes('aria-expanded')).toBe('true');
    await input.trigger('keydown', { key: 'ArrowDown' });
    const options = wrapper.findAll('[role="option"]');
    expect(options[1]?.attributes('aria-selected')).toBe('true');
    expect(input.attributes('aria-activedescendant')).toBe(options[1]?.attributes('id'));
    await input.trigger('keydown', { key: 'Enter' });
    await flushPromises();
    expect((input.element as HTMLInputElement).value).toBe('red model:sd15.ckpt ');
    expect(wrapper.findAll('[role="option"]')).toHaveLength(0);
    // Accepting a suggestion is not a search yet.
    expect(wrapper.emitted('commit')).toBeUndefined();
  });

  it('completes key names with Tab, and Esc closes the list', async () => {
    const wrapper = mountBox();
    await type(wrapper, 'samp');
    expect(wrapper.findAll('[role="option"]').map((o) => o.text())).toEqual(['sampler:']);
    await wrapper.get('input').trigger('keydown', { key: 'Tab' });
    await flushPromises();
    expect((wrapper.get('input').element as HTMLInputElement).value).toBe('sampler:');
    await type(wrapper, 'st');
    expect(wrapper.findAll('[role="option"]').length).toBeGreaterThan(0);
    await wrapper.get('input').trigger('keydown', { key: 'Escape' });
    expect(wrapper.findAll('[role="option"]')).toHaveLength(0);
  });

  it('underlines and explains what does not apply, and submits on Enter', async () => {
    const wrapper = mountBox();
    await type(wrapper, 'cat seed:abc');
    expect(wrapper.get('.search__problem').text()).toBe('abc');
    expect(wrapper.get('[data-testid="search-problems"]').text()).toContain('seed');
    expect(wrapper.get('input').attributes('aria-invalid')).toBe('true');
    await wrapper.get('form').trigger('submit');
    expect(wrapper.emitted('commit')).toEqual([['cat seed:abc', 'push']]);
  });
});
