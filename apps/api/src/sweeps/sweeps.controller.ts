import type { AuthUser, SweepCreateResponse, SweepResponse } from '@atelier/contract';
import { Body, Controller, Get, Headers, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Scopes } from '../common/auth.decorators.js';
import { ComfyEnabledGuard } from '../comfy/comfy-enabled.guard.js';
import { IdempotencyKey } from '../comfy/comfy.pipes.js';
import { SweepSheets } from './sweep-sheets.service.js';
import { ContactSheetQueryDto, SweepDto } from './sweeps.dto.js';
import { SweepsService } from './sweeps.service.js';

/** Parameter sweeps: a grid of jobs queued by one request (owner or admin reads it back). */
@ApiTags('comfy')
@Controller('comfy/sweeps')
@UseGuards(ComfyEnabledGuard)
export class SweepsController {
  constructor(
    private readonly sweeps: SweepsService,
    private readonly sheets: SweepSheets,
  ) {}

  @Post()
  @Scopes('jobs:write')
  @ApiOperation({ summary: 'Queue a sweep: a base request and 1–3 axes, at most 256 jobs (Idempotency-Key)' })
  create(
    @CurrentUser() user: AuthUser,
    @Body() body: SweepDto,
    @IdempotencyKey() key: string | null,
  ): Promise<SweepCreateResponse> {
    return this.sweeps.create(user, body, key);
  }

  @Get(':id')
  @Scopes('jobs:read')
  @ApiOperation({ summary: "A sweep's axes and every cell's job state" })
  find(@CurrentUser() user: AuthUser, @Param('id') id: string): Promise<SweepResponse> {
    return this.sweeps.find(user, id);
  }

  @Get(':id/contact-sheet.png')
  @Scopes('jobs:read')
  @ApiOperation({
    summary:
      'One Z page of the sweep as a labelled PNG (placeholders for unfinished cells), drawn once per state of the page (ETag, 304)',
  })
  @ApiProduces('image/png')
  async contactSheet(
    @CurrentUser() user: AuthUser,
    @Param('id') id: string,
    @Query() query: ContactSheetQueryDto,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const z = query.z ?? 0;
    const page = await this.sheets.page(user, id, z);
    // The ETag names the page's state: the same cells answer 304 without reading or drawing anything.
    res.setHeader('ETag', page.etag);
    // It changes while cells finish.
    res.setHeader('Cache-Control', 'private, no-cache');
    if (ifNoneMatch?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === page.etag)) {
      res.status(304).end();
      return;
    }
    const png = await this.sheets.png(page);
    res.setHeader('Content-Type', 'image/png');
    res.setHeader('Content-Length', png.length);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Content-Disposition', `inline; filename="sweep-${id.slice(0, 8)}-z${z}.png"`);
    res.end(png);
  }
}
