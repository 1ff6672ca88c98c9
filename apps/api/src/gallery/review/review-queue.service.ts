import {
  galleryPageDefaultLimit,
  type AuthUser,
  type GallerySearchItem,
  type ReviewPage,
} from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { keysetCursor, rowId } from '../../common/keyset-cursor.js';
import { GalleryTerms } from '../search/gallery-terms.js';
import { SearchResolver } from '../search/search-resolver.js';
import { GallerySearchEngine } from '../search/gallery-search-engine.js';
import { toSearchItems } from '../search/search-results.js';
import type { ReviewQueryDto } from './review.dto.js';
import { ReviewsRepository } from './reviews.repository.js';

/** After the submission (its trail row id) the previous page ended with. */
const queueCursor = keysetCursor(rowId);

/** The pending queue curators work: oldest submission first, each image as a search item. */
@Injectable()
export class ReviewQueueService {
  constructor(
    private readonly reviews: ReviewsRepository,
    private readonly resolver: SearchResolver,
    private readonly engine: GallerySearchEngine,
    private readonly terms: GalleryTerms,
  ) {}

  async page(query: ReviewQueryDto, user: AuthUser): Promise<ReviewPage> {
    const limit = query.limit ?? galleryPageDefaultLimit;
    const after = query.cursor === undefined ? 0 : queueCursor.decode(query.cursor)[0];
    const rows = await this.reviews.pendingPage(after, limit + 1);
    const page = rows.slice(0, limit);
    const found = new Map<number, GallerySearchItem>();
    if (page.length > 0) {
      const search = await this.resolver.resolve({}, user);
      const ids = page.map((row) => row.id);
      const items = await toSearchItems(await this.engine.byIds(search, ids), this.terms);
      for (const item of items) found.set(item.id, item);
    }
    const last = page.at(-1);
    return {
      items: page.flatMap((row) => {
        const item = found.get(row.id);
        return item ? [{ ...item, submitted_at: row.submitted_at, review_note: row.review_note }] : [];
      }),
      next_cursor: rows.length > limit && last ? queueCursor.encode(last.review_id) : null,
      total_estimate: Math.max(await this.reviews.pendingCount(), page.length),
    };
  }
}
