import type { AuthUser, GalleryImageDetail, GallerySearchPage, GallerySimilar } from '@atelier/contract';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Scopes } from '../common/auth.decorators.js';
import { isTrueWord } from '../common/boolean-words.js';
import { idPipe } from '../http/validation.js';
import { sendLabelledDownload } from './export/labelled-download.js';
import { FileQueryDto } from './gallery.dto.js';
import { GalleryService } from './gallery.service.js';
import { GallerySearchService } from './search/gallery-search.service.js';
import { viewerOf } from './search/search-resolver.js';
import { PatchImageDto, SearchQueryDto, SimilarQueryDto } from './search/search.dto.js';
import { sendImageFile } from './send-image.js';
import { TrashService } from './trash/trash.service.js';

/** The gallery for every signed-in user; an image's owner or a curator may trash it. Works with ComfyUI off. */
@ApiTags('gallery')
@Controller('gallery/images')
export class GalleryController {
  constructor(
    private readonly gallery: GalleryService,
    private readonly search: GallerySearchService,
    private readonly trash: TrashService,
  ) {}

  @Get()
  @Scopes('gallery:read')
  @ApiOperation({
    summary: 'Search the images the user may see (keyset pagination: pass next_cursor back as cursor)',
  })
  list(@Query() query: SearchQueryDto, @CurrentUser() user: AuthUser): Promise<GallerySearchPage> {
    return this.search.search(
      {
        ...query,
        sort: query.sort ?? 'newest',
        seedOrder: query.seed_order ?? 0,
        stacks: query.stacks ?? true,
      },
      user,
    );
  }

  @Get(':id')
  @Scopes('gallery:read')
  @ApiOperation({ summary: 'One image with its parameters and provenance (404 gallery.not_found)' })
  show(@Param('id', idPipe) id: number, @CurrentUser() user: AuthUser): Promise<GalleryImageDetail> {
    return this.gallery.get(id, user);
  }

  @Patch(':id')
  @Scopes('gallery:write')
  @ApiOperation({ summary: 'Rate, favourite, tag or annotate an image (its owner, curators, admins)' })
  patch(
    @Param('id', idPipe) id: number,
    @Body() body: PatchImageDto,
    @CurrentUser() user: AuthUser,
  ): Promise<GalleryImageDetail> {
    return this.gallery.patch(id, body, user);
  }

  @Get(':id/similar')
  @Scopes('gallery:read')
  @ApiOperation({ summary: 'More like this: same checkpoint, closest prompts (full-text rank)' })
  similar(
    @Param('id', idPipe) id: number,
    @Query() query: SimilarQueryDto,
    @CurrentUser() user: AuthUser,
  ): Promise<GallerySimilar> {
    return this.search.similar(id, query.limit ?? 24, user);
  }

  @Get(':id/file')
  @Scopes('gallery:read')
  @ApiOperation({
    summary: 'The original bytes (ETag = SHA-256); ?download=1: an attachment labelled as AI-made',
  })
  async file(
    @Param('id', idPipe) id: number,
    @Query() query: FileQueryDto,
    @CurrentUser() user: AuthUser,
    @Res() res: Response,
  ): Promise<void> {
    const file = await this.gallery.original(id, isTrueWord(query.download), viewerOf(user));
    return file.download ? sendLabelledDownload(res, file) : sendImageFile(res, file);
  }

  @Get(':id/thumbnail')
  @Scopes('gallery:read')
  @ApiOperation({ summary: 'WebP thumbnail, at most 512 px a side (made again if missing)' })
  async thumbnail(
    @Param('id', idPipe) id: number,
    @CurrentUser() user: AuthUser,
    @Res() res: Response,
  ): Promise<void> {
    return sendImageFile(res, await this.gallery.thumbnail(id, viewerOf(user)));
  }

  @Delete(':id')
  @Scopes('gallery:write')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Move the image to the trash (its owner, curators, admins); purged after the retention period',
  })
  remove(@Param('id', idPipe) id: number, @CurrentUser() user: AuthUser): Promise<void> {
    return this.trash.trashOne(id, user);
  }

  @Post(':id/restore')
  @Scopes('gallery:write')
  @HttpCode(204)
  @ApiOperation({ summary: 'Take the image out of the trash (its owner, curators, admins)' })
  restore(@Param('id', idPipe) id: number, @CurrentUser() user: AuthUser): Promise<void> {
    return this.trash.restoreOne(id, user);
  }
}
