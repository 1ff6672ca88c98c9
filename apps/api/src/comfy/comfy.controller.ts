import type {
  AuthUser,
  ComfyCancelResponse,
  ComfyHealthResponse,
  ComfyHistoryResponse,
  ComfyObjectInfoResponse,
  ComfyStatusResponse,
  JobListResponse,
} from '@atelier/contract';
import { Controller, Get, HttpCode, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentUser, Scopes } from '../common/auth.decorators.js';
import { ComfyEnabledGuard } from './comfy-enabled.guard.js';
import { isTrueWord } from '../common/boolean-words.js';
import { JobsQueryDto, ObjectInfoQueryDto } from './comfy.dto.js';
import { ComfyHealth } from './comfy-health.js';
import { promptIdPipe } from './comfy.pipes.js';
import { JobPreviews, parsePreviewSeq, sendPreview } from './job-previews.js';
import { JobStreams } from './job-stream.js';
import { JobsService } from './jobs.service.js';
import { ObjectInfoCache } from './object-info.cache.js';
import { ComfyRateLimits } from './rate-limit.js';
import { ViewProxy, parseViewQuery } from './view-proxy.js';

/** Answers even while the integration is off (it says so). */
@ApiTags('comfy')
@Controller('comfy')
export class ComfyHealthController {
  constructor(private readonly health: ComfyHealth) {}

  @Get('health')
  @Scopes('jobs:read')
  @ApiOperation({
    summary: 'Whether the ComfyUI integration is on and how ComfyUI is doing (the details for admins only)',
  })
  show(@CurrentUser() user: AuthUser): Promise<ComfyHealthResponse> {
    return this.health.view(user);
  }
}

/** Every other /api/comfy route: 503 `comfy.disabled` while the integration is off. */
@ApiTags('comfy')
@Controller('comfy')
@UseGuards(ComfyEnabledGuard)
export class ComfyController {
  constructor(
    private readonly jobs: JobsService,
    private readonly objectInfo: ObjectInfoCache,
    private readonly viewProxy: ViewProxy,
    private readonly limits: ComfyRateLimits,
    private readonly streams: JobStreams,
    private readonly previews: JobPreviews,
  ) {}

  @Get('status/:promptId')
  @Scopes('jobs:read')
  @ApiOperation({ summary: 'Status, queue position and progress of a job' })
  status(
    @CurrentUser() user: AuthUser,
    @Param('promptId', promptIdPipe) id: string,
  ): Promise<ComfyStatusResponse> {
    return this.jobs.status(user, id);
  }

  @Post('cancel/:promptId')
  @Scopes('jobs:write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove a queued job or interrupt a running one (owner or admin)' })
  cancel(
    @CurrentUser() user: AuthUser,
    @Param('promptId', promptIdPipe) id: string,
  ): Promise<ComfyCancelResponse> {
    return this.jobs.cancel(user, id);
  }

  @Get('history/:promptId')
  @Scopes('jobs:read')
  @ApiOperation({ summary: "A job's outcome with ComfyUI's execution messages (sanitised)" })
  history(
    @CurrentUser() user: AuthUser,
    @Param('promptId', promptIdPipe) id: string,
  ): Promise<ComfyHistoryResponse> {
    return this.jobs.history(user, id);
  }

  @Get('jobs')
  @Scopes('jobs:read')
  @ApiOperation({ summary: 'Jobs from the ledger, newest first' })
  list(@CurrentUser() user: AuthUser, @Query() query: JobsQueryDto): Promise<JobListResponse> {
    return this.jobs.list(user, query);
  }

  @Get('object-info')
  @Scopes('jobs:read')
  @ApiOperation({ summary: "ComfyUI's node catalogue, cached; refresh=1 skips the cache (rate limited)" })
  async objectInfoOf(
    @CurrentUser() user: AuthUser,
    @Query() query: ObjectInfoQueryDto,
  ): Promise<ComfyObjectInfoResponse> {
    const refresh = isTrueWord(query.refresh);
    if (refresh) await this.limits.assertObjectInfoRefresh(user.id);
    return this.objectInfo.get(refresh);
  }

  @Get('view')
  @Scopes('jobs:read')
  @ApiOperation({ summary: 'An image from ComfyUI, streamed (png, jpeg, webp or gif only)' })
  @ApiQuery({ name: 'filename', required: true, schema: { type: 'string', maxLength: 255 } })
  @ApiQuery({ name: 'subfolder', required: false, schema: { type: 'string', maxLength: 1024, default: '' } })
  @ApiQuery({
    name: 'type',
    required: false,
    schema: { enum: ['output', 'input', 'temp'], default: 'output' },
  })
  @ApiProduces('image/png', 'image/jpeg', 'image/webp', 'image/gif')
  async view(
    @CurrentUser() user: AuthUser,
    @Query() query: Record<string, unknown>,
    @Res() response: Response,
  ): Promise<void> {
    const ref = parseViewQuery(query);
    await this.limits.assertView(user.id);
    await this.viewProxy.send(user, ref, response);
  }

  @Get('jobs/:promptId/preview')
  @Scopes('jobs:read')
  @ApiOperation({
    summary: "A running job's sampler preview, as named by its stream's preview event (404 once gone)",
  })
  @ApiQuery({ name: 'seq', required: true, schema: { type: 'integer', minimum: 1 } })
  @ApiProduces('image/jpeg', 'image/png')
  async preview(
    @CurrentUser() user: AuthUser,
    @Param('promptId', promptIdPipe) id: string,
    @Query() query: Record<string, unknown>,
    @Res() response: Response,
  ): Promise<void> {
    sendPreview(response, await this.previews.lookup(user, id, parsePreviewSeq(query)));
  }

  @Get('stream/:promptId')
  @Scopes('jobs:read')
  @ApiOperation({
    summary: 'Server-Sent Events of a job (status, progress, preview, warning, error, images, done)',
  })
  @ApiProduces('text/event-stream')
  async stream(
    @CurrentUser() user: AuthUser,
    @Param('promptId', promptIdPipe) id: string,
    @Req() request: Request,
    @Res() response: Response,
  ): Promise<void> {
    await this.streams.open(user, id, request, response);
  }
}
