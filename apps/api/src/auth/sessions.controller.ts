import type { SessionListResponse } from '@atelier/contract';
import { Controller, Delete, Get, HttpCode, Param, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentUser } from '../common/auth.decorators.js';
import { clearAuthCookies } from './auth-cookies.js';
import { EndSessionsQueryDto } from './auth.dto.js';
import { sessionIdOf, type AuthenticatedUser } from './auth.service.js';
import { SessionsService } from './sessions.service.js';

/** Your own sessions (sign-ins): list them and end them. Nobody sees or ends another user's. */
@ApiTags('auth')
@ApiBearerAuth()
@ApiCookieAuth()
@Controller('auth/sessions')
export class SessionsController {
  constructor(private readonly sessions: SessionsService) {}

  @Get()
  @ApiOperation({ summary: 'Your live sessions: browser, address, last seen; the current one marked' })
  async list(@CurrentUser() user: AuthenticatedUser): Promise<SessionListResponse> {
    return { items: await this.sessions.listOf(user.id, sessionIdOf(user)) };
  }

  @Delete()
  @HttpCode(204)
  @ApiOperation({ summary: 'End every session of yours but this one (?others=1)' })
  async endOthers(
    @CurrentUser() user: AuthenticatedUser,
    @Query() _query: EndSessionsQueryDto,
  ): Promise<void> {
    await this.sessions.endOthers(user.id, sessionIdOf(user));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'End one session of yours (404 not_found for any other); ending the current one signs you out',
  })
  async endOne(
    @CurrentUser() user: AuthenticatedUser,
    @Param('id') id: string,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<void> {
    await this.sessions.endOne(user.id, id);
    if (id === sessionIdOf(user)) clearAuthCookies(request, response);
  }
}
