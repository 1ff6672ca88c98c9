import type { GallerySearchItem } from '@atelier/contract';
import { describe, expect, it } from 'vitest';
import { galleryImage } from '../test/fake-comfy';
import { galleryTiles } from './gallery-display';

const item = (id: number, stack?: { key: string; count: number }): GallerySearchItem => ({
  ...galleryImage(id),
  ...(stack ? { stack } : {}),
});

describe('galleryTiles', () => {
  it('shows a collapsed stack as its cover with its count, and lone images as themselves', () => {
    const tiles = galleryTiles(
      [item(9, { key: 's1', count: 3 }), item(5), item(4, { key: 's2', count: 1 })],
      new Map(),
    );
    expect(tiles.map((t) => [t.item.id, t.stack?.count ?? null, t.openStack])).toEqual([
      [9, 3, null],
      [5, null, null],
      // A "stack" of one is just an image.
      [4, null, null],
    ]);
  });

  it('replaces an open stack’s cover, in place, by its members; the first marks the stack', () => {
    const open = new Map([['s1', [item(9), item(8), item(7)]]]);
    const tiles = galleryTiles([item(10), item(9, { key: 's1', count: 3 }), item(5)], open);
    expect(tiles.map((t) => t.item.id)).toEqual([10, 9, 8, 7, 5]);
    expect(tiles.map((t) => t.openStack)).toEqual([null, 's1', 's1', 's1', null]);
    expect(tiles.map((t) => t.isStackHead)).toEqual([false, true, false, false, false]);
  });

  it('never shows an image twice, and keeps the cover of a stack still loading', () => {
    const open = new Map([
      ['s1', [item(9), item(5)]],
      ['s2', []],
    ]);
    const tiles = galleryTiles(
      [item(9, { key: 's1', count: 2 }), item(5), item(3, { key: 's2', count: 4 })],
      open,
    );
    expect(tiles.map((t) => t.item.id)).toEqual([9, 5, 3]);
    expect(tiles[2]?.stack).toEqual({ key: 's2', count: 4 });
  });
});
