import type { AuthUser } from '@atelier/contract';
import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Scopes } from '../common/auth.decorators.js';
import { WorkflowExportQueryDto } from '../comfy/workflow-export.dto.js';
import { sendWorkflowFile, WorkflowExports } from '../comfy/workflow-exports.js';
import { idPipe } from '../http/validation.js';
import { GalleryService } from './gallery.service.js';

/** An image's graph as a download, for whoever may see the image (404 `gallery.not_found` otherwise). */
@ApiTags('gallery')
@Controller('gallery/images')
export class ImageWorkflowController {
  constructor(
    private readonly gallery: GalleryService,
    private readonly exports: WorkflowExports,
  ) {}

  @Get(':id/workflow')
  @Scopes('gallery:read')
  @ApiProduces('application/json')
  @ApiOperation({
    summary:
      "An image's workflow as an attachment: ?format=api (the prompt that made it) or ui (for ComfyUI)",
  })
  async workflow(
    @Param('id', idPipe) id: number,
    @Query() query: WorkflowExportQueryDto,
    @CurrentUser() user: AuthUser,
    @Res() res: Response,
  ): Promise<void> {
    const graph = await this.gallery.keptGraph(id, user);
    const format = query.format ?? 'api';
    // The job's own UI workflow when the image came from a graph queued as one.
    const uiWorkflow =
      format === 'ui' && !graph.uiWorkflow && graph.promptId
        ? await this.exports.uiWorkflowOf(graph.promptId)
        : graph.uiWorkflow;
    sendWorkflowFile(
      res,
      await this.exports.file(format, `image-${id}`, { prompt: graph.prompt, uiWorkflow }),
    );
  }
}
