import {
  ingestPromptIdPattern,
  type AuthUser,
  type IngestFromJobResponse,
  type IngestResponse,
} from '@atelier/contract';
import {
  Body,
  Controller,
  HttpCode,
  Post,
  Res,
  UploadedFile,
  UseGuards,
  UseInterceptors,
} from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Roles, Scopes } from '../common/auth.decorators.js';
import { ComfyEnabledGuard } from '../comfy/comfy-enabled.guard.js';
import { IngestDto, IngestFromJobDto } from './gallery.dto.js';
import { IngestService, type UploadedImage } from './ingest.service.js';
import { UploadLimitInterceptor } from '../common/upload-limit.interceptor.js';
import { UploadSlotInterceptor } from '../common/resource-caps.js';

/** Keeping images in the gallery; /api/comfy routes, so they are off when the integration is. */
@ApiTags('comfy')
@Controller('comfy/ingest')
@Roles('curator')
@UseGuards(ComfyEnabledGuard)
export class IngestController {
  constructor(private readonly ingest: IngestService) {}

  @Post()
  @Scopes('gallery:write')
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: ['file'],
      properties: {
        file: { type: 'string', format: 'binary', description: 'PNG, JPEG or WebP (sniffed from the bytes)' },
        prompt_id: { type: 'string', pattern: ingestPromptIdPattern },
        workflow: { type: 'string', description: 'JSON object' },
        metadata: { type: 'string', description: 'JSON object' },
      },
    },
  })
  @ApiOperation({ summary: 'Keep an uploaded image (201; 200 with duplicate: true for known bytes)' })
  @UseInterceptors(
    // Before multer: a user over the cap is refused before the body is read into memory.
    UploadSlotInterceptor,
    UploadLimitInterceptor((config) => config.gallery.ingestMaxBytes),
    FileInterceptor('file'),
  )
  store(
    @CurrentUser() user: AuthUser,
    @UploadedFile() file: UploadedImage | undefined,
    @Body() body: IngestDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<IngestResponse> {
    return this.ingest.store(user, file, body).then((result) => {
      res.status(result.duplicate ? 200 : 201);
      return result;
    });
  }

  @Post('from-job')
  @Scopes('gallery:write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Keep the images of a ComfyUI job (all, or the chosen ones)' })
  fromJob(@CurrentUser() user: AuthUser, @Body() body: IngestFromJobDto): Promise<IngestFromJobResponse> {
    return this.ingest.fromJob(user, body);
  }
}
