import type { AuthUser, GallerySearchItem } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { GalleryService, type ImageFile } from './gallery.service.js';
import { GalleryTerms } from './search/gallery-terms.js';
import { GallerySearchEngine } from './search/gallery-search-engine.js';
import { toSearchItems } from './search/search-results.js';
import { SearchResolver, viewerOf } from './search/search-resolver.js';

/**
 * The gallery as a share link's owner sees it, for sharing/: every answer is computed now, under the
 * owner's current visibility, so a trashed, rejected or no-longer-visible image drops out of a link.
 */
@Injectable()
export class SharedImages {
  constructor(
    private readonly resolver: SearchResolver,
    private readonly engine: GallerySearchEngine,
    private readonly terms: GalleryTerms,
    private readonly gallery: GalleryService,
  ) {}

  /** Those of `ids` the owner may see, newest first. */
  async visibleIds(ids: readonly number[], owner: AuthUser): Promise<number[]> {
    if (ids.length === 0) return [];
    const visible = await this.engine.visibleIds(await this.resolver.resolve({}, owner), [...new Set(ids)]);
    return visible.sort((a, b) => b - a);
  }

  /**
   * A board's images as of now (a smart board runs its saved search), newest first, at most `max`;
   * 404 `not_found` when the owner can no longer see the board.
   */
  async boardIds(boardId: number, owner: AuthUser, max: number): Promise<number[]> {
    return this.engine.matchIds(await this.resolver.resolve({ board: boardId }, owner), max);
  }

  /** The images as search items, in the order of `ids`; those the owner cannot see are left out. */
  async items(ids: readonly number[], owner: AuthUser): Promise<GallerySearchItem[]> {
    if (ids.length === 0) return [];
    const rows = await this.engine.byIds(await this.resolver.resolve({}, owner), [...ids]);
    const items = new Map((await toSearchItems(rows, this.terms)).map((item) => [item.id, item]));
    return ids.flatMap((id) => items.get(id) ?? []);
  }

  original(id: number, owner: AuthUser, download: boolean): Promise<ImageFile> {
    return this.gallery.original(id, download, viewerOf(owner));
  }

  thumbnail(id: number, owner: AuthUser): Promise<ImageFile> {
    return this.gallery.thumbnail(id, viewerOf(owner));
  }
}
