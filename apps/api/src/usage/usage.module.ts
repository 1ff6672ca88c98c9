import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ComfyModule } from '../comfy/comfy.module.js';
import { EventsModule } from '../events/events.module.js';
import { UsageController } from './usage.controller.js';
import { UsageDailyEntity } from './usage.entity.js';
import { UsageRepository } from './usage.repository.js';
import { UsageService } from './usage.service.js';

/**
 * GPU accounting (GET /api/admin/usage): sums what the job end events say each job cost. It imports
 * comfy/ only for backend names; the limits feature reads today's sums for quotas.
 */
@Module({
  imports: [TypeOrmModule.forFeature([UsageDailyEntity]), EventsModule, ComfyModule],
  controllers: [UsageController],
  providers: [UsageRepository, UsageService],
  exports: [UsageService],
})
export class UsageModule {}
