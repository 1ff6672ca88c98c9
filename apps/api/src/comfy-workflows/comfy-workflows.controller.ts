import type {
  AuthUser,
  ComfyConvertResponse,
  ComfyPresetListResponse,
  ComfyWorkflowListResponse,
  ComfyWorkflowRunResponse,
} from '@atelier/contract';
import { Body, Controller, Get, HttpCode, Param, Post, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser } from '../common/auth.decorators.js';
import { ComfyEnabledGuard } from '../comfy/comfy-enabled.guard.js';
import { IdempotencyKey } from '../comfy/comfy.pipes.js';
import { ConvertWorkflowDto, RunWorkflowDto } from './comfy-workflows.dto.js';
import { ConvertService } from './convert.service.js';
import { PresetCatalogService } from './preset-catalog.service.js';
import { WorkflowLibraryService } from './workflow-library.service.js';
import { WorkflowRunsService } from './workflow-runs.service.js';

/** UI-workflow conversion, the workflow library and the txt2img presets (any signed-in user). */
@ApiTags('comfy')
@Controller('comfy')
@UseGuards(ComfyEnabledGuard)
export class ComfyWorkflowsController {
  constructor(
    private readonly converter: ConvertService,
    private readonly library: WorkflowLibraryService,
    private readonly runs: WorkflowRunsService,
    private readonly presets: PresetCatalogService,
  ) {}

  @Post('workflows/convert')
  @HttpCode(200)
  @ApiOperation({ summary: 'Convert a UI workflow to an API prompt (422 names what cannot be converted)' })
  convert(@Body() body: ConvertWorkflowDto): Promise<ComfyConvertResponse> {
    return this.converter.convert(body.workflow);
  }

  @Get('workflows')
  @ApiOperation({ summary: 'The workflow library with parameter contracts; broken templates are flagged' })
  list(): Promise<ComfyWorkflowListResponse> {
    return this.library.list();
  }

  @Post('workflows/:name/run')
  @ApiOperation({ summary: 'Validate parameters, patch a library workflow and queue it (Idempotency-Key)' })
  run(
    @CurrentUser() user: AuthUser,
    @Param('name') name: string,
    @Body() body: RunWorkflowDto,
    @IdempotencyKey() key: string | null,
  ): Promise<ComfyWorkflowRunResponse> {
    return this.runs.run(user, name, body, key);
  }

  @Get('presets')
  @ApiOperation({ summary: 'The txt2img presets and the parameters each takes' })
  listPresets(): Promise<ComfyPresetListResponse> {
    return this.presets.list();
  }
}
