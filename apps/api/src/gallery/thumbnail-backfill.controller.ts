import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles, Scopes } from '../common/auth.decorators.js';
import { ThumbnailBackfill } from './thumbnail-backfill.js';

@ApiTags('admin')
@Controller('admin/gallery/thumbnails')
@Roles('admin')
export class ThumbnailBackfillController {
  constructor(private readonly backfill: ThumbnailBackfill) {}

  @Post('backfill')
  @Scopes('admin')
  @HttpCode(202)
  @ApiOperation({
    summary:
      'Make every missing thumbnail in the background (gallery.thumbnail-sweep, then one job per image)',
  })
  async start(): Promise<void> {
    await this.backfill.sweep();
  }
}
