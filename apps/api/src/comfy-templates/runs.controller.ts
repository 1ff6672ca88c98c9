import {
  txt2imgParamsSchema,
  type AuthUser,
  type ComfyQueueResponse,
  type ComfyWorkflowRunResponse,
  type Txt2ImgResponse,
} from '@atelier/contract';
import { Body, Controller, Param, Post, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CheckedTxt2ImgParams } from '@atelier/workflow';
import { CurrentUser, Scopes } from '../common/auth.decorators.js';
import { ComfyEnabledGuard } from '../comfy/comfy-enabled.guard.js';
import { IdempotencyKey } from '../comfy/comfy.pipes.js';
import { TemplateRuns } from './template-runs.service.js';
import { toQueueResponse, toTxt2ImgResponse, toWorkflowRunResponse } from './template-views.js';
import { QueueDto, RunWorkflowDto } from './templates.dto.js';
import { Txt2ImgParamsPipe } from './txt2img-params.pipe.js';

/** The routes that queue a generation; all of them go through TemplateRuns (Idempotency-Key honoured). */
@ApiTags('comfy')
@Controller('comfy')
@UseGuards(ComfyEnabledGuard)
export class RunsController {
  constructor(private readonly runs: TemplateRuns) {}

  @Post('queue')
  @Scopes('jobs:write')
  @ApiOperation({ summary: 'Queue an API-format prompt (Idempotency-Key header makes retries safe)' })
  async queue(
    @CurrentUser() user: AuthUser,
    @Body() body: QueueDto,
    @IdempotencyKey() key: string | null,
  ): Promise<ComfyQueueResponse> {
    const request = {
      kind: 'graph',
      workflow: body.workflow,
      callerClientId: body.client_id ?? null,
    } as const;
    return toQueueResponse(await this.runs.run(user, request, key));
  }

  @Post('txt2img')
  @Scopes('jobs:write')
  @ApiOperation({ summary: 'Build a text-to-image prompt from parameters (or a preset) and queue it' })
  @ApiBody({ schema: txt2imgParamsSchema as never })
  async txt2img(
    @CurrentUser() user: AuthUser,
    @Body(Txt2ImgParamsPipe) params: CheckedTxt2ImgParams,
    @IdempotencyKey() key: string | null,
  ): Promise<Txt2ImgResponse> {
    return toTxt2ImgResponse(await this.runs.run(user, { kind: 'txt2img', params }, key));
  }

  @Post('workflows/:name/run')
  @Scopes('jobs:write')
  @ApiOperation({ summary: 'Validate parameters, patch a workflow template and queue it (Idempotency-Key)' })
  async runWorkflow(
    @CurrentUser() user: AuthUser,
    @Param('name') name: string,
    @Body() body: RunWorkflowDto,
    @IdempotencyKey() key: string | null,
  ): Promise<ComfyWorkflowRunResponse> {
    const request = {
      kind: 'template',
      name,
      params: body.params ?? {},
      ...(body.version !== undefined ? { version: body.version } : {}),
    } as const;
    return toWorkflowRunResponse(await this.runs.run(user, request, key));
  }
}
