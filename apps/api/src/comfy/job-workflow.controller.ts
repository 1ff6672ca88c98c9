import type { AuthUser } from '@atelier/contract';
import { Controller, Get, Param, Query, Res, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentUser, Scopes } from '../common/auth.decorators.js';
import { ComfyEnabledGuard } from './comfy-enabled.guard.js';
import { promptIdPipe } from './comfy.pipes.js';
import { JobsService } from './jobs.service.js';
import { WorkflowExportQueryDto } from './workflow-export.dto.js';
import { sendWorkflowFile, WorkflowExports } from './workflow-exports.js';

/** A job's graph as a download; visible as the job is (own jobs, curators everyone's; else 404). */
@ApiTags('comfy')
@Controller('comfy/jobs')
@UseGuards(ComfyEnabledGuard)
export class JobWorkflowController {
  constructor(
    private readonly jobs: JobsService,
    private readonly exports: WorkflowExports,
  ) {}

  @Get(':promptId/workflow')
  @Scopes('jobs:read')
  @ApiProduces('application/json')
  @ApiOperation({
    summary: "A job's workflow as an attachment: ?format=api (the prompt that ran) or ui (for ComfyUI)",
  })
  async workflow(
    @CurrentUser() user: AuthUser,
    @Param('promptId', promptIdPipe) promptId: string,
    @Query() query: WorkflowExportQueryDto,
    @Res() res: Response,
  ): Promise<void> {
    const job = await this.jobs.findVisible(user, promptId);
    const format = query.format ?? 'api';
    const uiWorkflow = format === 'ui' ? await this.exports.uiWorkflowOf(promptId) : null;
    sendWorkflowFile(res, await this.exports.file(format, promptId, { prompt: job.workflow, uiWorkflow }));
  }
}
