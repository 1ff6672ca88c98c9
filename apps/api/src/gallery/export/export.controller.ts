import type { AuthUser, GalleryFilters, GallerySelection } from '@atelier/contract';
import { Controller, Get, Logger, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AppError } from '../../common/app-error.js';
import { CurrentUser, Scopes } from '../../common/auth.decorators.js';
import { isCode } from '../image-files.js';
import { ExportQueryDto } from './export.dto.js';
import { ExportService } from './export.service.js';
import { writeChunks } from './write-chunks.js';

/** ZIP exports for every signed-in user, of the images they can see. */
@ApiTags('gallery')
@Controller('gallery')
export class ExportController {
  private readonly logger = new Logger(ExportController.name);

  constructor(private readonly exports: ExportService) {}

  @Get('export.zip')
  @Scopes('gallery:read')
  @ApiProduces('application/zip')
  @ApiOperation({
    summary:
      'A streamed ZIP (STORED, Content-Length up front) of `ids` or of a search: labelled copies, sidecars=1, redact=1, manifest.csv',
  })
  async export(
    @Query() query: ExportQueryDto,
    @CurrentUser() user: AuthUser,
    @Res() res: Response,
  ): Promise<void> {
    const { ids, sidecars, redact, ...filters } = query;
    const zip = await this.exports.prepare(
      selectionOf(ids, filters),
      { sidecars: !!sidecars, redact: !!redact },
      user,
    );
    res.setHeader('Content-Type', 'application/zip');
    res.setHeader('Content-Length', String(zip.length));
    res.setHeader('Content-Disposition', `attachment; filename="${zip.filename}"`);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.once('close', () => void zip.close());
    try {
      await writeChunks(res, zip.stream, (chunk) => zip.written(chunk));
    } catch (error) {
      // Headers are out: all that is left is to cut the download short, which the client sees.
      // A client that goes away is routine; anything else (a file changed under us) is worth a warning.
      if (isCode(error, 'ERR_STREAM_PREMATURE_CLOSE'))
        this.logger.debug('A client left an export before its end');
      else this.logger.warn({ err: error }, 'An export stopped before its end');
      res.destroy();
    } finally {
      await zip.close();
    }
  }
}

/** `ids` names the images; without them the filters are a search (an empty one: all the user sees). */
export function selectionOf(ids: number[] | undefined, filters: GalleryFilters): GallerySelection {
  if (ids === undefined) return { query: filters };
  const given = Object.entries(filters).filter(([, value]) => value !== undefined);
  if (given.length > 0) {
    throw new AppError('validation_failed', 'Export either ids or a search, not both', {
      ids: [`cannot be combined with ${given.map(([key]) => key).join(', ')}`],
    });
  }
  return { ids };
}
