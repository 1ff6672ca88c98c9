import type { AuthUser, JobPatchResponse, QueueRetryResponse, QueueStateResponse } from '@atelier/contract';
import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { isTrueWord } from '../common/boolean-words.js';
import { CurrentUser, Scopes } from '../common/auth.decorators.js';
import { ComfyEnabledGuard } from '../comfy/comfy-enabled.guard.js';
import { promptIdPipe } from '../comfy/comfy.pipes.js';
import { JobPatchDto, QueuePatchDto, QueuePauseQueryDto } from './queue.dto.js';
import { QueueService } from './queue.service.js';

/** Atelier's own queue: the caller's switches and their waiting jobs (503 while the integration is off). */
@ApiTags('comfy')
@Controller('comfy')
@UseGuards(ComfyEnabledGuard)
export class QueueController {
  constructor(private readonly queue: QueueService) {}

  @Get('queue')
  @Scopes('jobs:read')
  @ApiOperation({ summary: 'My queue: paused or not, automatic retry, waiting and running counts' })
  state(@CurrentUser() user: AuthUser): Promise<QueueStateResponse> {
    return this.queue.state(user);
  }

  @Patch('queue')
  @Scopes('jobs:write')
  @ApiOperation({ summary: 'Switch automatic retry of my jobs that a backend loses' })
  patch(@CurrentUser() user: AuthUser, @Body() body: QueuePatchDto): Promise<QueueStateResponse> {
    return this.queue.setAutoRetry(user, body.auto_retry);
  }

  @Post('queue/pause')
  @Scopes('jobs:write')
  @HttpCode(200)
  @ApiOperation({ summary: "Pause my queue (all=1: everyone's, admins only); running jobs finish" })
  pause(@CurrentUser() user: AuthUser, @Query() query: QueuePauseQueryDto): Promise<QueueStateResponse> {
    return this.queue.setPaused(user, true, isTrueWord(query.all));
  }

  @Post('queue/resume')
  @Scopes('jobs:write')
  @HttpCode(200)
  @ApiOperation({ summary: "Resume my queue (all=1: everyone's, admins only)" })
  resume(@CurrentUser() user: AuthUser, @Query() query: QueuePauseQueryDto): Promise<QueueStateResponse> {
    return this.queue.setPaused(user, false, isTrueWord(query.all));
  }

  @Patch('jobs/:promptId')
  @Scopes('jobs:write')
  @ApiOperation({ summary: 'Move a waiting job: top, bottom or a 1-based place among my waiting jobs' })
  move(
    @CurrentUser() user: AuthUser,
    @Param('promptId', promptIdPipe) id: string,
    @Body() body: JobPatchDto,
  ): Promise<JobPatchResponse> {
    return this.queue.reposition(user, id, body.position);
  }

  @Post('jobs/:promptId/retry')
  @Scopes('jobs:write')
  @ApiOperation({ summary: 'Queue a failed, lost or interrupted job again as a new job linked to it' })
  retry(
    @CurrentUser() user: AuthUser,
    @Param('promptId', promptIdPipe) id: string,
  ): Promise<QueueRetryResponse> {
    return this.queue.retry(user, id);
  }
}
