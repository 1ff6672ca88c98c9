import type { UsageResponse } from '@atelier/contract';
import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Roles, Scopes } from '../common/auth.decorators.js';
import { UsageQueryDto } from './usage.dto.js';
import { UsageService } from './usage.service.js';

@ApiTags('admin')
@Controller('admin/usage')
@Roles('admin')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  @Get()
  @Scopes('admin')
  @ApiOperation({
    summary:
      'Jobs and GPU-seconds per user, backend or day over a range of UTC days (format=csv: a download)',
  })
  @ApiProduces('application/json', 'text/csv')
  async report(
    @Query() query: UsageQueryDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<UsageResponse | string> {
    const range = { from: query.from, to: query.to };
    if (query.format !== 'csv') return this.usage.report(range, query.group_by ?? 'user');
    const csv = await this.usage.csv(range);
    res.type('text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${csv.filename}"`);
    return csv.body;
  }
}
