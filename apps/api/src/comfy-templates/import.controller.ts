import { importFileField, type ComfyImportResponse } from '@atelier/contract';
import { Controller, HttpCode, Post, UploadedFile, UseGuards, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import { ApiBody, ApiConsumes, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ComfyEnabledGuard } from '../comfy/comfy-enabled.guard.js';
import { UploadSlotInterceptor } from '../common/resource-caps.js';
import { UploadLimitInterceptor } from '../common/upload-limit.interceptor.js';
import { ImportService, type ImportedFile } from './import.service.js';
import { Scopes } from '../common/auth.decorators.js';

/** Import a workflow from a file (any signed-in user: it only reads; queueing it is POST /queue's business). */
@ApiTags('comfy')
@Controller('comfy/workflows/import')
@UseGuards(ComfyEnabledGuard)
export class ImportController {
  constructor(private readonly imports: ImportService) {}

  @Post()
  @Scopes('jobs:write')
  @HttpCode(200)
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    schema: {
      type: 'object',
      required: [importFileField],
      properties: {
        [importFileField]: {
          type: 'string',
          format: 'binary',
          description: 'A UI workflow or API prompt (.json), or a PNG/WebP saved by ComfyUI (sniffed)',
        },
      },
    },
  })
  @ApiOperation({ summary: 'Read a workflow from a .json, PNG or WebP: the prompt it runs as and its nodes' })
  @UseInterceptors(
    UploadSlotInterceptor,
    UploadLimitInterceptor((config) => config.comfyUploads.maxBytes),
    FileInterceptor(importFileField),
  )
  import(@UploadedFile() file: ImportedFile | undefined): Promise<ComfyImportResponse> {
    return this.imports.import(file);
  }
}
