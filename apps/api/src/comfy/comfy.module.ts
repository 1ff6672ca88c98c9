import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { GALLERY_JOB_SOURCE } from '../gallery/job-source.js';
import { ComfyEnabledGuard } from './comfy-enabled.guard.js';
import { ComfyHealth } from './comfy-health.js';
import { ComfyController, ComfyHealthController } from './comfy.controller.js';
import { ComfyService } from './comfy.service.js';
import { JobEventsHub } from './job-events.js';
import { JobLedgerService } from './job-ledger.service.js';
import { galleryJobSourceProvider } from './job-source.provider.js';
import { JobStreams } from './job-stream.js';
import { ComfyJobEntity } from './job.entity.js';
import { JobsRepository } from './jobs.repository.js';
import { JobsService } from './jobs.service.js';
import { ObjectInfoCache } from './object-info.cache.js';
import { QueueService } from './queue.service.js';
import { ComfyRateLimits } from './rate-limit.js';
import { Txt2ImgService } from './txt2img.service.js';
import { ViewProxy } from './view-proxy.js';
import { WatchdogService } from './watchdog.service.js';

/**
 * The ComfyUI integration: wiring (client + one socket), watchdog, job ledger, event hub and the
 * /api/comfy routes except ingest. Global only to hand the gallery its GALLERY_JOB_SOURCE port.
 */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([ComfyJobEntity])],
  controllers: [ComfyHealthController, ComfyController],
  providers: [
    ComfyService,
    WatchdogService,
    ComfyHealth,
    JobsRepository,
    JobEventsHub,
    JobLedgerService,
    JobsService,
    JobStreams,
    ObjectInfoCache,
    QueueService,
    Txt2ImgService,
    ViewProxy,
    ComfyRateLimits,
    ComfyEnabledGuard,
    galleryJobSourceProvider,
  ],
  // The ledger, hub and caches are also used by comfy-workflows/ and comfy-uploads/.
  exports: [GALLERY_JOB_SOURCE, ComfyService, ObjectInfoCache, JobLedgerService, JobEventsHub],
})
export class ComfyModule {}
