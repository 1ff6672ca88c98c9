import type { AuthUser, Role, RoleLimitsListResponse, RoleLimitsResponse } from '@atelier/contract';
import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentUser, Roles, Scopes } from '../common/auth.decorators.js';
import { RoleLimitsUpdateDto, rolePipe } from './limits.dto.js';
import { RoleLimitsService } from './role-limits.service.js';

@ApiTags('admin')
@Controller('admin/limits')
@Roles('admin')
export class LimitsController {
  constructor(private readonly limits: RoleLimitsService) {}

  @Get()
  @Scopes('admin')
  @ApiOperation({ summary: 'Caps of every role' })
  list(): RoleLimitsListResponse {
    return { items: this.limits.list() };
  }

  @Get(':role')
  @Scopes('admin')
  @ApiOperation({ summary: "A role's caps (null = unlimited)" })
  show(@Param('role', rolePipe) role: Role): RoleLimitsResponse {
    return this.limits.view(role);
  }

  @Put(':role')
  @Scopes('admin')
  @ApiOperation({
    summary: "Change a role's caps at once, without a restart (absent fields keep their value)",
  })
  update(
    @Param('role', rolePipe) role: Role,
    @Body() body: RoleLimitsUpdateDto,
    @CurrentUser() admin: AuthUser,
  ): Promise<RoleLimitsResponse> {
    return this.limits.update(role, body, { id: admin.id, username: admin.username });
  }
}
