import type { BackgroundOverview } from '@atelier/contract';
import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { BackgroundJobs } from '../background/background-jobs.js';
import { AppError } from '../common/app-error.js';
import { Roles, Scopes } from '../common/auth.decorators.js';
import { RetryBackgroundJobParams } from './background.dto.js';

@ApiTags('admin')
@Controller('admin/background')
@Roles('admin')
export class BackgroundController {
  constructor(private readonly jobs: BackgroundJobs) {}

  @Get()
  @Scopes('admin')
  @ApiOperation({ summary: 'The background queues: counts per state and the failed jobs (dead letters)' })
  async overview(): Promise<BackgroundOverview> {
    return { mode: this.jobs.mode, queues: await this.jobs.overview() };
  }

  @Post(':queue/:id/retry')
  @Scopes('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Run a failed job again with fresh attempts (404 when no such failed job)' })
  async retry(@Param() { queue, id }: RetryBackgroundJobParams): Promise<void> {
    if (!this.jobs.has(queue)) throw new AppError('not_found', `No background queue ${queue}`);
    if (!(await this.jobs.retry(queue, id)))
      throw new AppError('not_found', `No failed job ${id} in ${queue}`);
  }
}
