import type { GallerySearchItem } from '@atelier/contract';

/** One tile of the grid: an image, a collapsed stack (its cover), or a member of an open stack. */
export interface GalleryTileEntry {
  item: GallerySearchItem;
  /** A collapsed stack: its key and how many images it holds. */
  stack: { key: string; count: number } | null;
  /** The key of the open stack this image belongs to; `isStackHead` on its first member. */
  openStack: string | null;
  isStackHead: boolean;
}

/**
 * The tiles in order: each stack cover whose members are loaded is replaced, in place, by them.
 * A stack that is open but still loading keeps its cover.
 */
export function galleryTiles(
  items: readonly GallerySearchItem[],
  openStacks: ReadonlyMap<string, readonly GallerySearchItem[]>,
): GalleryTileEntry[] {
  const tiles: GalleryTileEntry[] = [];
  const seen = new Set<number>();
  for (const item of items) {
    const key = item.stack?.key;
    const members = key === undefined ? undefined : openStacks.get(key);
    if (key !== undefined && members && members.length > 0) {
      members.forEach((member, i) => {
        if (seen.has(member.id)) return;
        seen.add(member.id);
        tiles.push({ item: member, stack: null, openStack: key, isStackHead: i === 0 });
      });
      continue;
    }
    if (seen.has(item.id)) continue;
    seen.add(item.id);
    const stack = item.stack && item.stack.count > 1 ? item.stack : null;
    tiles.push({ item, stack, openStack: null, isStackHead: false });
  }
  return tiles;
}
