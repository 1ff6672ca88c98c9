import { Module } from '@nestjs/common';
import { ComfyModule } from '../comfy/comfy.module.js';
import { EventsModule } from '../events/events.module.js';
import { BackendMetrics } from './backend-metrics.js';
import { BackendSource } from './backend-source.js';
import { ExecutionLog } from './execution-log.js';
import { JobCountsRepository } from './job-counts.repository.js';
import { JobMetrics } from './job-metrics.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsRegistry } from './metrics-registry.js';

/**
 * Prometheus metrics (GET /metrics) and the execution log. Reads what comfy/ keeps (watchdog, stream hub)
 * and subscribes to the job and `comfy.execution` events; nothing imports it but the app (and create-app,
 * which puts the HTTP timing middleware in front of every route).
 */
@Module({
  imports: [EventsModule, ComfyModule],
  controllers: [MetricsController],
  providers: [MetricsRegistry, JobCountsRepository, BackendSource, JobMetrics, ExecutionLog, BackendMetrics],
  exports: [MetricsRegistry],
})
export class MetricsModule {}
