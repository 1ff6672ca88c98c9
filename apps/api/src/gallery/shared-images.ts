import type { AuthUser, GallerySearchItem } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { GalleryService, type ImageFile } from './gallery.service.js';
import { GalleryTerms } from './search/gallery-terms.js';
import { toSearchItem } from './search/search-results.js';
import { SearchResolver, viewerOf } from './search/search-resolver.js';
import { SqliteGallerySearch } from './search/sqlite-gallery-search.js';

/**
 * The gallery as a share link's owner sees it, for sharing/: every answer is computed now, under the
 * owner's current visibility, so a trashed, rejected or no-longer-visible image drops out of a link.
 */
@Injectable()
export class SharedImages {
  constructor(
    private readonly resolver: SearchResolver,
    private readonly engine: SqliteGallerySearch,
    private readonly terms: GalleryTerms,
    private readonly gallery: GalleryService,
  ) {}

  /** Those of `ids` the owner may see, newest first. */
  visibleIds(ids: readonly number[], owner: AuthUser): number[] {
    if (ids.length === 0) return [];
    const visible = this.engine.visibleIds(this.resolver.resolve({}, owner), [...new Set(ids)]);
    return visible.sort((a, b) => b - a);
  }

  /**
   * A board's images as of now (a smart board runs its saved search), newest first, at most `max`;
   * 404 `not_found` when the owner can no longer see the board.
   */
  boardIds(boardId: number, owner: AuthUser, max: number): number[] {
    return this.engine.matchIds(this.resolver.resolve({ board: boardId }, owner), max);
  }

  /** The images as search items, in the order of `ids`; those the owner cannot see are left out. */
  items(ids: readonly number[], owner: AuthUser): GallerySearchItem[] {
    if (ids.length === 0) return [];
    const rows = new Map(
      this.engine.byIds(this.resolver.resolve({}, owner), [...ids]).map((row) => [row.id, row]),
    );
    return ids.flatMap((id) => {
      const row = rows.get(id);
      return row ? [toSearchItem(row, this.terms)] : [];
    });
  }

  original(id: number, owner: AuthUser, download: boolean): ImageFile {
    return this.gallery.original(id, download, viewerOf(owner));
  }

  thumbnail(id: number, owner: AuthUser): Promise<ImageFile> {
    return this.gallery.thumbnail(id, viewerOf(owner));
  }
}
