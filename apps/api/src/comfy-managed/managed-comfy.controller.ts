import type { ManagedComfyResponse } from '@atelier/contract';
import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles, Scopes } from '../common/auth.decorators.js';
import { ManagedComfyService } from './managed-comfy.service.js';

@ApiTags('admin')
@Controller('admin/comfy/managed')
@Roles('admin')
export class ManagedComfyController {
  constructor(private readonly managed: ManagedComfyService) {}

  @Get()
  @Scopes('admin')
  @ApiOperation({ summary: 'State of the ComfyUI server Atelier runs itself (managed mode)' })
  show(): ManagedComfyResponse {
    return { enabled: this.managed.isEnabled, status: this.managed.status() };
  }

  @Post('restart')
  @Scopes('admin')
  @HttpCode(202)
  @ApiOperation({ summary: 'Restart the managed ComfyUI server; answers at once, poll GET for ready' })
  async restart(): Promise<ManagedComfyResponse> {
    return { enabled: true, status: await this.managed.restart() };
  }
}
