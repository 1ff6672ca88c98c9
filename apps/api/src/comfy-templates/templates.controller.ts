import {
  roleAtLeast,
  type AuthUser,
  type ComfyConvertResponse,
  type ComfyPresetListResponse,
  type ComfyWorkflowListResponse,
} from '@atelier/contract';
import { Body, Controller, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Scopes } from '../common/auth.decorators.js';
import { ComfyEnabledGuard } from '../comfy/comfy-enabled.guard.js';
import { ConvertService } from './convert.service.js';
import { GraphPolicy } from './graph-policy.js';
import { TemplateLibraryService } from './template-library.service.js';
import { ConvertWorkflowDto } from './templates.dto.js';

/** The template library (workflow templates and txt2img presets) and UI-workflow conversion (any signed-in user). */
@ApiTags('comfy')
@Controller('comfy')
@UseGuards(ComfyEnabledGuard)
export class TemplatesController {
  constructor(
    private readonly converter: ConvertService,
    private readonly library: TemplateLibraryService,
    private readonly policy: GraphPolicy,
  ) {}

  @Post('workflows/convert')
  @Scopes('jobs:write')
  @HttpCode(200)
  @ApiOperation({ summary: 'Convert a UI workflow to an API prompt (422 names what cannot be converted)' })
  convert(@Body() body: ConvertWorkflowDto): Promise<ComfyConvertResponse> {
    return this.converter.convert(body.workflow);
  }

  @Get('workflows')
  @Scopes('jobs:read')
  @ApiOperation({ summary: 'The workflow templates with parameter contracts; broken ones are flagged' })
  listWorkflows(@CurrentUser() user: AuthUser): Promise<ComfyWorkflowListResponse> {
    return this.library.listWorkflows({
      can_queue_graph: this.policy.mayQueueGraph(user),
      can_save: roleAtLeast(user.role, 'curator'),
    });
  }

  @Get('presets')
  @Scopes('jobs:read')
  @ApiOperation({ summary: 'The txt2img presets and the parameters each takes' })
  listPresets(): Promise<ComfyPresetListResponse> {
    return this.library.listPresets();
  }
}
