import type { HealthResponse } from '@atelier/contract';
import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Public } from '../common/auth.decorators.js';
import { AppConfig } from '../config/app-config.js';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(private readonly config: AppConfig) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Liveness, version and demo flag (public)' })
  show(): HealthResponse {
    return { status: 'ok', version: this.config.version, demo: this.config.demo };
  }
}
