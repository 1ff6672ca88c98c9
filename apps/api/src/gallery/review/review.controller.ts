import type { AuthUser, ReviewPage } from '@atelier/contract';
import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles, Scopes } from '../../common/auth.decorators.js';
import { ReviewQueryDto } from './review.dto.js';
import { ReviewQueueService } from './review-queue.service.js';

/** The review queue; decisions go through POST /api/gallery/bulk (submit, approve, reject). */
@ApiTags('gallery')
@Controller('review')
@Roles('curator')
export class ReviewController {
  constructor(private readonly queue: ReviewQueueService) {}

  @Get()
  @Scopes('gallery:read')
  @ApiOperation({
    summary: 'Images awaiting review, oldest submission first (keyset pagination: pass next_cursor back)',
  })
  list(@Query() query: ReviewQueryDto, @CurrentUser() user: AuthUser): Promise<ReviewPage> {
    return this.queue.page(query, user);
  }
}
