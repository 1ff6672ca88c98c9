import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Registry } from 'prom-client';
import { MachineToken, Roles, Scopes } from '../common/auth.decorators.js';
import { MetricsRegistry } from './metrics-registry.js';

/** GET /metrics (outside /api, where scrapers look): the scraper's token from the configuration, or an admin. */
@ApiTags('metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsRegistry) {}

  @Get()
  @Scopes('admin')
  @Roles('admin')
  @MachineToken('metrics')
  @ApiOperation({
    summary: 'Prometheus metrics (text exposition format)',
    description: 'Send `Authorization: Bearer <ATELIER_METRICS_TOKEN>`, or be signed in as an admin.',
  })
  @ApiProduces(Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  @Header('Cache-Control', 'no-store')
  scrape(): Promise<string> {
    return this.metrics.render();
  }
}
