import type { AuthUser, ExportBuildCreated, ExportBuildView } from '@atelier/contract';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../common/app-error.js';
import { CurrentUser, Scopes } from '../../common/auth.decorators.js';
import { isCode } from '../image-files.js';
import { ImageStore } from '../image-store.js';
import { ExportBuildBodyDto } from './export-builds.dto.js';
import { ExportBuilds } from './export-builds.js';
import { selectionOf } from './export.controller.js';

/** ZIP exports built in the background, for selections too large to build during a request. */
@ApiTags('gallery')
@Controller('gallery/exports')
export class ExportBuildsController {
  constructor(
    private readonly builds: ExportBuilds,
    private readonly store: ImageStore,
  ) {}

  @Post()
  @Scopes('gallery:read')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Queue a ZIP export (the selection and options of export.zip, as JSON) built in the background',
  })
  create(@Body() body: ExportBuildBodyDto, @CurrentUser() user: AuthUser): Promise<ExportBuildCreated> {
    const { ids, sidecars, redact, ...filters } = body;
    return this.builds.create(selectionOf(ids, filters), { sidecars: !!sidecars, redact: !!redact }, user);
  }

  @Get(':id')
  @Scopes('gallery:read')
  @ApiOperation({
    summary: 'A background export: status, progress, size, file name (its creator or an admin)',
  })
  view(@Param('id') id: string, @CurrentUser() user: AuthUser): Promise<ExportBuildView> {
    return this.builds.view(id, user);
  }

  @Get(':id/download')
  @Scopes('gallery:read')
  @ApiProduces('application/zip')
  @ApiOperation({
    summary: 'The built ZIP (409 until it is ready; byte ranges when the store keeps it on disk)',
  })
  async download(
    @Param('id') id: string,
    @CurrentUser() user: AuthUser,
    @Res() res: Response,
  ): Promise<void> {
    const { build, key, size } = await this.builds.file(id, user);
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Disposition', `attachment; filename="${build.filename}"`);
    res.setHeader('Cache-Control', 'private, no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    const path = this.store.localPath(key);
    if (path === null) {
      res.setHeader('Content-Length', String(size));
      await pipeline(await this.store.stream(key), res);
      return;
    }
    // `send` gives Content-Length, Range (206/416), HEAD and an aborted client's clean-up.
    await new Promise<void>((resolve, reject) => {
      const options = { cacheControl: false, lastModified: true, etag: true, dotfiles: 'allow' as const };
      res.sendFile(path, options, (error?: Error) => {
        if (!error || res.headersSent) return resolve();
        // The error body must not go out labelled as the ZIP.
        for (const name of ['Content-Type', 'Content-Disposition']) res.removeHeader(name);
        reject(isCode(error, 'ENOENT', 'ENOTDIR') ? new AppError('not_found', 'No such export') : error);
      });
    });
  }

  @Delete(':id')
  @Scopes('gallery:read')
  @HttpCode(204)
  @ApiOperation({ summary: 'Cancel a background export, or remove a built one (its creator or an admin)' })
  async remove(@Param('id') id: string, @CurrentUser() user: AuthUser): Promise<void> {
    await this.builds.remove(id, user);
  }
}
