import type { AuthUser, BackendListResponse, BackendView } from '@atelier/contract';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { BackendsAdmin } from '../comfy/backends/backends-admin.service.js';
import { CurrentUser, Roles, Scopes } from '../common/auth.decorators.js';
import { idPipe } from '../http/validation.js';
import { CreateBackendDto, UpdateBackendDto } from './backends.dto.js';

@ApiTags('admin')
@Controller('admin/backends')
@Roles('admin')
export class BackendsController {
  constructor(private readonly backends: BackendsAdmin) {}

  @Get()
  @Scopes('admin')
  @ApiOperation({ summary: 'The ComfyUI servers of the pool with their state and jobs in flight' })
  list(): Promise<BackendListResponse> {
    return this.backends.list();
  }

  @Post()
  @Scopes('admin')
  @ApiOperation({ summary: 'Add a ComfyUI server (409 conflict when the name is taken)' })
  create(@Body() body: CreateBackendDto, @CurrentUser() admin: AuthUser): Promise<BackendView> {
    return this.backends.create(body, actorOf(admin));
  }

  @Patch(':id')
  @Scopes('admin')
  @ApiOperation({
    summary:
      'Rename, re-point, weigh, tag, drain or disable a server (409 when re-pointed with jobs in flight)',
  })
  update(
    @Param('id', idPipe) id: number,
    @Body() body: UpdateBackendDto,
    @CurrentUser() admin: AuthUser,
  ): Promise<BackendView> {
    return this.backends.update(id, body, actorOf(admin));
  }

  @Delete(':id')
  @Scopes('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a server (409 for the default one, or while it has jobs in flight)' })
  async remove(@Param('id', idPipe) id: number, @CurrentUser() admin: AuthUser): Promise<void> {
    await this.backends.remove(id, actorOf(admin));
  }
}

const actorOf = ({ id, username }: AuthUser) => ({ id, username });
