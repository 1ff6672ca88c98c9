import { flushPromises, mount } from '@vue/test-utils';
import { getActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryHistory } from 'vue-router';
import { createAppRouter } from '../router';
import type { FakeApi } from '../test/fake-api';
import { galleryImage } from '../test/fake-comfy';
import { installFakeApi, testUsers } from '../test/install-fake-api';
import GalleryPage from './GalleryPage.vue';

let api: FakeApi;

function image(id: number, positive: string, checkpoint = 'sdxl.safetensors') {
  const base = galleryImage(id);
  return { ...base, params: { ...base.params, positive, checkpoint } };
}

beforeEach(() => {
  api = installFakeApi(testUsers.curator);
  api.comfy.gallery = [
    image(5, 'red lighthouse'),
    image(4, 'red lighthouse'),
    image(3, 'blue harbor', 'flux.safetensors'),
    image(2, 'green forest'),
  ];
});

afterEach(() => {
  document.body.innerHTML = '';
});

async function mountPage(path = '/gallery') {
  const router = createAppRouter(createMemoryHistory());
  await router.push(path);
  await router.isReady();
  const wrapper = mount(GalleryPage, {
    global: { plugins: [getActivePinia()!, router] },
    attachTo: document.body,
  });
  await flushPromises();
  return { wrapper, router };
}

const tileIds = (wrapper: Awaited<ReturnType<typeof mountPage>>['wrapper']) =>
  wrapper
    .findAll('[data-testid^="gallery-tile-"]')
    .map((t) => Number(t.attributes('data-testid')!.slice(13)));

describe('GalleryPage', () => {
  it('searches what the URL holds, with its count and chips', async () => {
    const { wrapper } = await mountPage('/gallery?q=harbor+model:flux.safetensors&stacks=0');
    expect(tileIds(wrapper)).toEqual([3]);
    expect(wrapper.get('[data-testid="result-count"]').text()).toBe('1 image');
    expect(wrapper.findAll('[data-testid="filter-chip"]').map((c) => c.text())).toEqual([
      'model:flux.safetensors',
    ]);
    expect((wrapper.get('input[type="search"]').element as HTMLInputElement).value).toBe(
      'harbor model:flux.safetensors',
    );
  });

  it('puts a submitted search in the URL, and Back restores the one before', async () => {
    const { wrapper, router } = await mountPage('/gallery?stacks=0');
    expect(tileIds(wrapper)).toEqual([5, 4, 3, 2]);
    const input = wrapper.get('input[type="search"]');
    await input.setValue('forest');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(router.currentRoute.value.query).toEqual({ q: 'forest', stacks: '0' });
    expect(tileIds(wrapper)).toEqual([2]);
    router.back();
    await vi.waitFor(() => expect(router.currentRoute.value.query).toEqual({ stacks: '0' }));
    await flushPromises();
    expect(tileIds(wrapper)).toEqual([5, 4, 3, 2]);
    expect((input.element as HTMLInputElement).value).toBe('');
  });

  it('adds a facet’s value as a filter chip, and removing the chip edits the search', async () => {
    const { wrapper, router } = await mountPage('/gallery?q=red');
    const facet = wrapper.get('button[aria-label^="Model sdxl "][aria-label$="(sdxl.safetensors)"]');
    await facet.trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.query.q).toBe('red model:sdxl.safetensors');
    await wrapper.get('button[aria-label="Remove filter model:sdxl.safetensors"]').trigger('click');
    await flushPromises();
    expect(router.currentRoute.value.query.q).toBe('red');
  });

  it('collapses images that differ only by seed into a stack that opens in place', async () => {
    const { wrapper } = await mountPage('/gallery');
    expect(tileIds(wrapper)).toEqual([5, 3, 2]);
    expect(wrapper.get('[data-testid="stack-count"]').text()).toBe('2');
    await wrapper.get('[data-testid="gallery-tile-5"]').trigger('click');
    await flushPromises();
    expect(tileIds(wrapper)).toEqual([5, 4, 3, 2]);
    await wrapper.get('button[aria-label="Collapse the stack of image 5"]').trigger('click');
    await flushPromises();
    expect(tileIds(wrapper)).toEqual([5, 3, 2]);
  });

  it('focuses the search on /, and Esc clears the selection', async () => {
    const { wrapper } = await mountPage('/gallery?stacks=0');
    window.dispatchEvent(new KeyboardEvent('keydown', { key: '/' }));
    expect(document.activeElement).toBe(wrapper.get('input[type="search"]').element);
    (document.activeElement as HTMLElement).blur();
    await wrapper.get('[data-testid="gallery-tile-4"]').trigger('keydown', { key: ' ' });
    await wrapper.get('[data-testid="gallery-tile-3"]').trigger('keydown', { key: ' ' });
    expect(wrapper.get('[data-testid="selection-count"]').text()).toBe('2 selected');
    const varies = wrapper.findAll('button').find((b) => b.text() === 'What varies');
    await varies!.trigger('click');
    await flushPromises();
    expect(wrapper.get('[data-testid="what-varies"]').text()).toContain('Seed');
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
    await flushPromises();
    expect(wrapper.find('[data-testid="what-varies"]').exists()).toBe(false);
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape' }));
    await flushPromises();
    expect(wrapper.find('[data-testid="selection-count"]').exists()).toBe(false);
  });

  it('explains a query the API refuses under the search box', async () => {
    const { wrapper } = await mountPage('/gallery?q=fail:x');
    expect(wrapper.get('[data-testid="search-problems"]').text()).toContain('unknown filter fail:');
    expect(wrapper.get('input[type="search"]').attributes('aria-invalid')).toBe('true');
  });
});
