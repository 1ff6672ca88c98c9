import { mount } from '@vue/test-utils';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nextTick } from 'vue';
import type { GalleryTileEntry } from '../../domain/gallery-display';
import { galleryImage } from '../../test/fake-comfy';
import GalleryGrid from './GalleryGrid.vue';

// 100,000 images share one object: the test is about DOM nodes, not about building fixtures.
const sample = galleryImage(1);
const manyTiles = (count: number): GalleryTileEntry[] =>
  Array.from({ length: count }, (_, i) => ({
    item: { ...sample, id: count - i },
    stack: null,
    openStack: null,
    isStackHead: false,
  }));

afterEach(() => {
  document.body.innerHTML = '';
});

function mountGrid(count: number, hasMore = false, tiles = manyTiles(count)) {
  return mount(GalleryGrid, {
    props: { tiles, selected: [], hasMore, isLoadingMore: false },
    attachTo: document.body,
  });
}

describe('GalleryGrid', () => {
  it('keeps the DOM small with 100,000 images and sizes the scroll area for all of them', () => {
    const wrapper = mountGrid(100_000);
    const tiles = wrapper.findAll('[data-index]');
    expect(tiles.length).toBeGreaterThan(0);
    expect(tiles.length).toBeLessThan(100);
    expect(document.body.querySelectorAll('*').length).toBeLessThan(500);
    const height = Number.parseFloat((wrapper.element as HTMLElement).style.height);
    expect(height).toBeGreaterThan(1_000_000);
    expect(tiles[0]?.attributes('aria-label')).toContain('Image 100000');
  });

  it('renders the rows at the scroll position, not the first ones', async () => {
    const wrapper = mountGrid(100_000);
    const root = wrapper.element as HTMLElement;
    // Scrolled far down: the grid's top is 500,000 px above the viewport.
    vi.spyOn(root, 'getBoundingClientRect').mockReturnValue(new DOMRect(0, -500_000, 1024, 1_000_000));
    window.dispatchEvent(new Event('scroll'));
    await nextTick();
    const indexes = wrapper.findAll('[data-index]').map((tile) => Number(tile.attributes('data-index')));
    expect(indexes.length).toBeLessThan(100);
    expect(Math.min(...indexes)).toBeGreaterThan(10_000);
    const window_ = wrapper.get('ul').element as HTMLElement;
    expect(window_.style.transform).toMatch(/translateY\(\d{5,}/);
  });

  it('asks for more near the end and opens the clicked image', async () => {
    const wrapper = mountGrid(10, true);
    expect(wrapper.emitted('loadMore')).toHaveLength(1);
    await wrapper.findAll('[data-index]')[3]?.trigger('click');
    expect(wrapper.emitted('open')).toEqual([[3]]);
  });

  it('moves focus between tiles with the arrow keys', async () => {
    const wrapper = mountGrid(40);
    const first = wrapper.get('[data-index="0"]');
    (first.element as HTMLElement).focus();
    await first.trigger('keydown', { key: 'ArrowRight' });
    await nextTick();
    expect(document.activeElement?.getAttribute('data-index')).toBe('1');
    await wrapper.get('[data-index="1"]').trigger('keydown', { key: 'ArrowDown' });
    await nextTick();
    const columns = wrapper
      .get('ul')
      .attributes('style')
      ?.match(/repeat\((\d+)/)?.[1];
    expect(document.activeElement?.getAttribute('data-index')).toBe(String(1 + Number(columns)));
  });

  it('picks a tile with Space, and opens a stack in place instead of the lightbox', async () => {
    const tiles = manyTiles(5);
    tiles[1] = { ...tiles[1]!, stack: { key: 'k', count: 3 } };
    const wrapper = mountGrid(5, false, tiles);
    await wrapper.get('[data-index="0"]').trigger('keydown', { key: ' ' });
    expect(wrapper.emitted('select')).toEqual([[5]]);
    await wrapper.get('[data-index="1"]').trigger('click');
    expect(wrapper.emitted('toggleStack')).toEqual([['k']]);
    expect(wrapper.emitted('open')).toBeUndefined();
    expect(wrapper.get('[data-index="1"]').attributes('aria-label')).toContain('Stack of 3 images');
    await wrapper.setProps({ selected: [5] });
    expect(wrapper.get('[aria-label="Select image 5"]').attributes('aria-pressed')).toBe('true');
    expect(wrapper.get('[aria-label="Select image 4"]').attributes('aria-pressed')).toBe('false');
  });
});
