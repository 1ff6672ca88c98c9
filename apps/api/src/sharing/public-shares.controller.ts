import type { PublicShare } from '@atelier/contract';
import { Body, Controller, Get, HttpCode, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public } from '../common/auth.decorators.js';
import { isTrueWord } from '../common/boolean-words.js';
import { sendLabelledDownload } from '../gallery/export/labelled-download.js';
import { revalidateCache, sendImageFile } from '../gallery/send-image.js';
import { idPipe } from '../http/validation.js';
import { PublicSharesService, type ShareVisit } from './public-shares.service.js';
import { PublicFileQueryDto, UnlockShareDto } from './shares.dto.js';
import { shareUnlockCookie } from './share-token.js';

/** A share link's page data and images, without signing in (X-Robots-Tag: noindex, see SharingModule). */
@ApiTags('sharing')
@Public()
@Controller('public/shares/:token')
export class PublicSharesController {
  constructor(private readonly shares: PublicSharesService) {}

  @Get()
  @ApiOperation({ summary: 'The shared images (404 unknown or revoked, 410 expired, 401 password)' })
  view(@Param('token') token: string, @Req() req: Request): Promise<PublicShare> {
    return this.shares.view(visitOf(token, req));
  }

  @Get('images/:id/file')
  @ApiOperation({
    summary: 'A shared image (redacted links: without prompts); ?download=1 where the link allows it',
  })
  async file(
    @Param('token') token: string,
    @Param('id', idPipe) id: number,
    @Query() query: PublicFileQueryDto,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    const { file, redact } = await this.shares.file(visitOf(token, req), id, isTrueWord(query.download));
    // Never `immutable` like the gallery's: a revoked link must stop showing its images, cached or not.
    if (redact) return sendLabelledDownload(res, file, true, revalidateCache);
    return file.download
      ? sendLabelledDownload(res, file, false, revalidateCache)
      : sendImageFile(res, file, revalidateCache);
  }

  @Get('images/:id/thumbnail')
  @ApiOperation({ summary: 'A shared image’s WebP thumbnail (no metadata)' })
  async thumbnail(
    @Param('token') token: string,
    @Param('id', idPipe) id: number,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    return sendImageFile(res, await this.shares.thumbnail(visitOf(token, req), id), revalidateCache);
  }

  @Post('unlock')
  @HttpCode(204)
  @ApiOperation({ summary: "Check a link's password; sets a cookie for this link's URLs only" })
  async unlock(
    @Param('token') token: string,
    @Body() body: UnlockShareDto,
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<void> {
    const { value, maxAgeS } = await this.shares.unlock(visitOf(token, req), body.password);
    // <img> cannot send headers: the cookie rides along, scoped to this link's path.
    res.cookie(shareUnlockCookie, value, {
      httpOnly: true,
      sameSite: 'strict',
      secure: req.secure,
      path: `/api/public/shares/${token}`,
      maxAge: maxAgeS * 1000,
    });
  }
}

function visitOf(token: string, req: Request): ShareVisit {
  const cookies = req.cookies as Record<string, unknown> | undefined;
  return { token, ip: req.ip ?? '', unlock: cookies?.[shareUnlockCookie] };
}
