import type { AuthUser, GallerySelection } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error.js';
import { SearchResolver } from './search-resolver.js';
import { GallerySearchEngine } from './gallery-search-engine.js';

/** The images a selection names that the user may see, newest first; how many it named besides. */
export interface SelectedImages {
  ids: number[];
  /** Ids named that the user cannot see (or that do not exist). */
  unseen: number;
}

/**
 * Resolves "these ids" or "everything this search matches" to the visible image ids, the same way
 * for bulk actions and exports. More than `max` is a 400 that says so, never a silent cut.
 */
@Injectable()
export class SelectionResolver {
  constructor(
    private readonly resolver: SearchResolver,
    private readonly engine: GallerySearchEngine,
  ) {}

  /** `inTrash`: the selection is about trashed images (restoring them), which searches otherwise hide. */
  async select(
    selection: GallerySelection,
    user: AuthUser,
    max: number,
    inTrash = false,
  ): Promise<SelectedImages> {
    const trash = inTrash ? { status: 'trashed' as const } : {};
    if ('ids' in selection) {
      const wanted = [...new Set(selection.ids)];
      if (wanted.length > max) throw tooMany(max);
      const visible = new Set(await this.engine.visibleIds(await this.resolver.resolve(trash, user), wanted));
      const ids = wanted.filter((id) => visible.has(id)).sort((a, b) => b - a);
      return { ids, unseen: wanted.length - ids.length };
    }
    const search = await this.resolver.resolve({ ...selection.query, ...trash }, user);
    const ids = await this.engine.matchIds(search, max + 1);
    if (ids.length > max) throw tooMany(max);
    return { ids, unseen: 0 };
  }
}

function tooMany(max: number): AppError {
  return new AppError('validation_failed', `A selection holds at most ${max} images: narrow the search`, {
    selection: [`must name at most ${max} images`],
  });
}
