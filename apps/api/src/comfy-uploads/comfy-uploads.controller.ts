import type { AuthUser, ComfyUploadResponse } from '@atelier/contract';
import { Body, Controller, Post, UploadedFile, UseGuards, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Scopes } from '../common/auth.decorators.js';
import { ComfyEnabledGuard } from '../comfy/comfy-enabled.guard.js';
import { UploadFieldsDto } from './comfy-uploads.dto.js';
import { ComfyUploadsService, type UploadedFile as UploadedImage } from './comfy-uploads.service.js';
import { UploadLimitInterceptor } from '../common/upload-limit.interceptor.js';
import { UploadSlotInterceptor } from '../common/resource-caps.js';

/** Input images for ComfyUI (img2img sources, masks); any signed-in user. */
@ApiTags('comfy')
@Controller('comfy/upload')
@UseGuards(ComfyEnabledGuard)
export class ComfyUploadsController {
  constructor(private readonly uploads: ComfyUploadsService) {}

  @Post()
  @Scopes('jobs:write')
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['image'],
      properties: {
        image: {
          type: 'string',
          format: 'binary',
          description: 'PNG, JPEG or WebP (sniffed from the bytes)',
        },
        subfolder: { type: 'string', description: 'Under ComfyUI’s input folder (default "atelier")' },
        kind: { type: 'string', enum: ['image', 'mask'] },
        ephemeral: { type: 'string', enum: ['true', 'false'], description: 'Delete once its job finished' },
      },
    },
  })
  @ApiOperation({ summary: 'Send an input image to ComfyUI; answers the name for LoadImage (201)' })
  // The file part is `image`, as ComfyUI's own /upload/image calls it.
  @UseInterceptors(
    // Before multer: a user over the cap is refused before the body is read into memory.
    UploadSlotInterceptor,
    UploadLimitInterceptor((config) => config.comfyUploads.maxBytes),
    FileInterceptor('image'),
  )
  upload(
    @CurrentUser() user: AuthUser,
    @UploadedFile() file: UploadedImage | undefined,
    @Body() fields: UploadFieldsDto,
  ): Promise<ComfyUploadResponse> {
    return this.uploads.upload(user, file, fields);
  }
}
