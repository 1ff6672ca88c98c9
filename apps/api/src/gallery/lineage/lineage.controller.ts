import type { AuthUser, GalleryLineage } from '@atelier/contract';
import { Controller, Get, Param } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Scopes } from '../../common/auth.decorators.js';
import { idPipe } from '../../http/validation.js';
import { LineageService } from './lineage.service.js';

@ApiTags('gallery')
@Controller('gallery/images')
export class LineageController {
  constructor(private readonly lineage: LineageService) {}

  @Get(':id/lineage')
  @Scopes('gallery:read')
  @ApiOperation({
    summary:
      'The image it was made from and the images made from it (img2img/inpainting), as far as the caller may see them',
  })
  show(@Param('id', idPipe) id: number, @CurrentUser() user: AuthUser): Promise<GalleryLineage> {
    return this.lineage.of(id, user);
  }
}
