import type { ReviewQuery } from '@atelier/contract';
import { PageQueryDto } from '../search/search.dto.js';

/** GET /api/review query: a page of the pending queue. */
export class ReviewQueryDto extends PageQueryDto implements ReviewQuery {}
