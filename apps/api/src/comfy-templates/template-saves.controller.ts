import type { AuthUser, ComfyWorkflowDetail } from '@atelier/contract';
import { Body, Controller, Get, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { templateName } from '@atelier/workflow';
import { AppError } from '../common/app-error.js';
import { CurrentUser, Roles, Scopes } from '../common/auth.decorators.js';
import { ComfyEnabledGuard } from '../comfy/comfy-enabled.guard.js';
import { TemplateLibraryService } from './template-library.service.js';
import { TemplateSaves } from './template-saves.service.js';
import { SaveWorkflowDto, WorkflowDetailQueryDto, WorkflowVersionDto } from './templates.dto.js';

/**
 * One workflow template (any signed-in user) and saving templates and versions (curators). Registered after
 * TemplatesController, so the fixed paths under /workflows (`convert`, `import`) are matched first.
 */
@ApiTags('comfy')
@Controller('comfy')
@UseGuards(ComfyEnabledGuard)
export class TemplateSavesController {
  constructor(
    private readonly library: TemplateLibraryService,
    private readonly saves: TemplateSaves,
  ) {}

  @Get('workflows/:name')
  @Scopes('jobs:read')
  @ApiOperation({
    summary: 'One workflow template (`?version=`: an older one): prompt, contract, verdict, versions',
  })
  async detail(
    @Param('name') name: string,
    @Query() query: WorkflowDetailQueryDto,
  ): Promise<ComfyWorkflowDetail> {
    const detail = templateName.test(name) ? await this.library.detail(name, query.version) : null;
    if (!detail) {
      const which = query.version === undefined ? '' : ` at version ${query.version}`;
      throw new AppError('not_found', `There is no workflow "${name}"${which}`);
    }
    return detail;
  }

  @Post('workflows')
  @Scopes('jobs:write')
  @Roles('curator')
  @ApiOperation({ summary: 'Save a new workflow template (curators; 409 when the name is taken)' })
  create(@CurrentUser() user: AuthUser, @Body() body: SaveWorkflowDto): Promise<ComfyWorkflowDetail> {
    return this.saves.create(user, body);
  }

  @Post('workflows/:name/versions')
  @Scopes('jobs:write')
  @Roles('curator')
  @ApiOperation({ summary: 'Save a new version of a workflow template (curators; a shipped one too)' })
  addVersion(
    @CurrentUser() user: AuthUser,
    @Param('name') name: string,
    @Body() body: WorkflowVersionDto,
  ): Promise<ComfyWorkflowDetail> {
    return this.saves.addVersion(user, name, body);
  }
}
