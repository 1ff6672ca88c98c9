import type { AuthUser, GalleryImageDetail, GalleryPage } from '@atelier/contract';
import { Controller, Delete, Get, HttpCode, Param, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Roles } from '../common/auth.decorators.js';
import { isTrueWord } from '../common/boolean-words.js';
import { idPipe } from '../http/validation.js';
import { FileQueryDto, ListImagesQueryDto } from './gallery.dto.js';
import { GalleryService } from './gallery.service.js';
import { sendImageFile } from './send-image.js';

/** The gallery for every signed-in user; deleting needs a curator. Works with ComfyUI off. */
@ApiTags('gallery')
@Controller('gallery/images')
export class GalleryController {
  constructor(private readonly gallery: GalleryService) {}

  @Get()
  @ApiOperation({ summary: 'Images, newest first (keyset pagination: pass next_cursor back as cursor)' })
  list(@Query() query: ListImagesQueryDto): Promise<GalleryPage> {
    return this.gallery.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One image with its provenance (404 gallery.not_found)' })
  show(@Param('id', idPipe) id: number): Promise<GalleryImageDetail> {
    return this.gallery.get(id);
  }

  @Get(':id/file')
  @ApiOperation({ summary: 'The original bytes (ETag = SHA-256; ?download=1 for an attachment)' })
  async file(
    @Param('id', idPipe) id: number,
    @Query() query: FileQueryDto,
    @Res() res: Response,
  ): Promise<void> {
    return sendImageFile(res, this.gallery.original(id, isTrueWord(query.download)));
  }

  @Get(':id/thumbnail')
  @ApiOperation({ summary: 'WebP thumbnail, at most 512 px a side (made again if missing)' })
  async thumbnail(@Param('id', idPipe) id: number, @Res() res: Response): Promise<void> {
    return sendImageFile(res, await this.gallery.thumbnail(id));
  }

  @Delete(':id')
  @Roles('curator')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove the image: row, file, sidecar and thumbnail' })
  remove(@Param('id', idPipe) id: number, @CurrentUser() user: AuthUser): Promise<void> {
    return this.gallery.remove(id, { id: user.id, username: user.username });
  }
}
