import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ManagedComfyModule } from '../comfy-managed/managed-comfy.module.js';
import { EventsModule } from '../events/events.module.js';
import { KeyedLock } from '../common/keyed-lock.js';
import { BackendDirectory } from './backends/backend-directory.js';
import { ComfyBackendEntity } from './backends/backend.entity.js';
import { BackendsAdmin } from './backends/backends-admin.service.js';
import { BackendsRepository } from './backends/backends.repository.js';
import { BeforePostHooks } from './backends/before-post.js';
import { ComfyPool } from './backends/comfy-pool.js';
import { WarmupOnConnect } from './backends/warmup-on-connect.js';
import { ComfyEnabledGuard } from './comfy-enabled.guard.js';
import { ComfyHealth } from './comfy-health.js';
import { ComfyController, ComfyHealthController } from './comfy.controller.js';
import { JobWorkflowController } from './job-workflow.controller.js';
import { WorkflowExports } from './workflow-exports.js';
import { ComfyService } from './comfy.service.js';
import { ImageAccess } from './image-access.js';
import { ImageOwnersRepository } from './image-owners.repository.js';
import { JobLedgerService } from './job-ledger.service.js';
import { JobPoster } from './job-poster.js';
import { JobOutputs } from './job-outputs.js';
import { JobPreviews } from './job-previews.js';
import { JobStreams } from './job-stream.js';
import { JobTracker } from './job-tracker.js';
import { ComfyJobEntity } from './job.entity.js';
import { JobsRepository } from './jobs.repository.js';
import { JobsService } from './jobs.service.js';
import { WaitingJobsRepository } from './waiting-jobs.repository.js';
import { ObjectInfoCache } from './object-info.cache.js';
import { AdmissionRegistry } from './queue-admission.js';
import { DispatchRegistry } from './queue-dispatch.js';
import { ComfyRateLimits } from './rate-limit.js';
import { StreamHub } from './stream-hub.js';
import { EmbeddedJobEventLog, JobEventLog } from './job-event-log.js';
import { RedisJobEventLog } from './redis-job-event-log.js';
import { RedisJobStreams } from './redis-job-streams.js';
import { REDIS_CONNECTIONS, type RedisConnections } from '../redis/redis-connections.js';
import { ViewProxy } from './view-proxy.js';
import { WatchdogService } from './watchdog.service.js';

/**
 * The ComfyUI integration: wiring (client + one socket), watchdog, job ledger, tracker, SSE streams and
 * the /api/comfy routes except ingest. Features built on it (templates, uploads, gallery ingest) import
 * this module and use what it exports; it imports none of them.
 */
@Module({
  imports: [TypeOrmModule.forFeature([ComfyJobEntity, ComfyBackendEntity]), EventsModule, ManagedComfyModule],
  controllers: [ComfyHealthController, ComfyController, JobWorkflowController],
  providers: [
    WorkflowExports,
    ComfyService,
    WatchdogService,
    ComfyHealth,
    JobsRepository,
    ImageOwnersRepository,
    ImageAccess,
    JobTracker,
    StreamHub,
    JobPreviews,
    RedisJobStreams,
    {
      provide: JobEventLog,
      inject: [REDIS_CONNECTIONS],
      useFactory: (redis: RedisConnections | null) =>
        redis ? new RedisJobEventLog(redis.command) : new EmbeddedJobEventLog(),
    },
    JobLedgerService,
    JobsService,
    JobStreams,
    JobOutputs,
    ObjectInfoCache,
    ViewProxy,
    ComfyRateLimits,
    ComfyEnabledGuard,
    AdmissionRegistry,
    DispatchRegistry,
    WaitingJobsRepository,
    JobPoster,
    ComfyPool,
    BackendsRepository,
    BackendsAdmin,
    BeforePostHooks,
    KeyedLock,
    WarmupOnConnect,
    // The dispatcher reads the pool as its BackendDirectory.
    { provide: BackendDirectory, useExisting: ComfyPool },
  ],
  exports: [
    ComfyService,
    WorkflowExports,
    ObjectInfoCache,
    JobLedgerService,
    JobOutputs,
    ComfyEnabledGuard,
    ImageAccess,
    BackendDirectory,
    AdmissionRegistry,
    DispatchRegistry,
    WaitingJobsRepository,
    JobPoster,
    JobsRepository,
    JobsService,
    ComfyPool,
    BackendsAdmin,
    BeforePostHooks,
    // Read by metrics/ at scrape time (open SSE streams).
    StreamHub,
    RedisJobStreams,
  ],
})
export class ComfyModule {}
