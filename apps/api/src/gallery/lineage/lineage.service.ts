import type { AuthUser, GalleryLineage, GallerySearchItem } from '@atelier/contract';
import { Injectable, Logger } from '@nestjs/common';
import { JobInputs } from '../../comfy-uploads/job-inputs.js';
import type { SqlExecutor } from '../../database/sql.js';
import { GallerySearchService } from '../search/gallery-search.service.js';
import { GalleryTerms } from '../search/gallery-terms.js';
import { SearchResolver } from '../search/search-resolver.js';
import { GallerySearchEngine } from '../search/gallery-search-engine.js';
import { toSearchItems } from '../search/search-results.js';
import { LineageRepository } from './lineage.repository.js';

/**
 * An image's parent (the input image of the job that made it, matched by content hash) and its children.
 * Ingest names the parent; this answers GET /api/gallery/images/:id/lineage under the one visibility rule.
 */
@Injectable()
export class LineageService {
  private readonly logger = new Logger(LineageService.name);

  constructor(
    private readonly lineage: LineageRepository,
    private readonly jobInputs: JobInputs,
    private readonly search: GallerySearchService,
    private readonly resolver: SearchResolver,
    private readonly engine: GallerySearchEngine,
    private readonly terms: GalleryTerms,
  ) {}

  /** The hash of the job's input image; a lookup that fails keeps the image without a parent. */
  async parentSha256Of(promptId: string | null): Promise<string | null> {
    if (promptId === null) return null;
    try {
      return await this.jobInputs.imageOf(promptId);
    } catch (error) {
      this.logger.warn(
        { err: error, promptId },
        'Could not read the job’s inputs; keeping the image without a parent',
      );
      return null;
    }
  }

  /** In the transaction that writes the image's row (`tx`), so no request sees it half linked. */
  link(id: number, sha256: string, parentSha256: string | null, tx?: SqlExecutor): Promise<void> {
    return this.lineage.link(id, sha256, parentSha256, tx);
  }

  /** 404 when the caller may not see the image itself; a hidden parent or child is simply left out. */
  async of(id: number, user: AuthUser): Promise<GalleryLineage> {
    await this.search.item(id, user);
    const parentId = await this.lineage.parentIdOf(id);
    const childIds = await this.lineage.childIdsOf(id);
    const ids = parentId === null ? childIds : [parentId, ...childIds];
    const visible = new Map<number, GallerySearchItem>();
    if (ids.length > 0) {
      const search = await this.resolver.resolve({}, user);
      const items = await toSearchItems(await this.engine.byIds(search, ids), this.terms);
      for (const item of items) visible.set(item.id, item);
    }
    return {
      parent: parentId === null ? null : (visible.get(parentId) ?? null),
      children: childIds.flatMap((childId) => visible.get(childId) ?? []),
    };
  }
}
