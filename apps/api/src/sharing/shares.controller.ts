import type { AuthUser, ShareCreated, ShareList } from '@atelier/contract';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Scopes } from '../common/auth.decorators.js';
import { isTrueWord } from '../common/boolean-words.js';
import { idPipe } from '../http/validation.js';
import { CreateShareDto, ListSharesQueryDto } from './shares.dto.js';
import { SharesService } from './shares.service.js';

/** A user's share links (an admin's ?all=1: everyone's). */
@ApiTags('sharing')
@Controller('shares')
export class SharesController {
  constructor(private readonly shares: SharesService) {}

  @Post()
  @Scopes('gallery:write')
  @ApiOperation({
    summary: 'Share an image, a selection or a board: answers the token and the page path, once',
  })
  create(@Body() body: CreateShareDto, @CurrentUser() user: AuthUser): Promise<ShareCreated> {
    return this.shares.create(body, user);
  }

  @Get()
  @Scopes('gallery:read')
  @ApiOperation({ summary: "Your share links, newest first (?all=1, admins: everyone's)" })
  list(@Query() query: ListSharesQueryDto, @CurrentUser() user: AuthUser): Promise<ShareList> {
    return this.shares.list(user, isTrueWord(query.all));
  }

  @Delete(':id')
  @Scopes('gallery:write')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a link: it answers 404 from now on, like an unknown one' })
  revoke(@Param('id', idPipe) id: number, @CurrentUser() user: AuthUser): Promise<void> {
    return this.shares.revoke(id, user);
  }
}
