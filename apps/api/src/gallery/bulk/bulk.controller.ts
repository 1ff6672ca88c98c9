import type { AuthUser, BulkResponse } from '@atelier/contract';
import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Scopes } from '../../common/auth.decorators.js';
import { BulkRequestDto } from './bulk.dto.js';
import { BulkService } from './bulk.service.js';

@ApiTags('gallery')
@Controller('gallery/bulk')
export class BulkController {
  constructor(private readonly bulk: BulkService) {}

  @Post()
  @Scopes('gallery:write')
  @HttpCode(200)
  @ApiOperation({
    summary: 'One action (tag, rate, board, review, trash…) over chosen ids or everything a search matches',
  })
  run(@Body() body: BulkRequestDto, @CurrentUser() user: AuthUser): Promise<BulkResponse> {
    return this.bulk.run(body.selection, body.action, user);
  }
}
