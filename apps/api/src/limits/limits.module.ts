import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ComfyModule } from '../comfy/comfy.module.js';
import { EventsModule } from '../events/events.module.js';
import { UsageModule } from '../usage/usage.module.js';
import { LimitsController } from './limits.controller.js';
import { MyUsageController } from './my-usage.controller.js';
import { RoleLimitsEntity } from './role-limits.entity.js';
import { RoleLimitsRepository } from './role-limits.repository.js';
import { RoleLimitsService } from './role-limits.service.js';

/**
 * Caps per role (GET/PUT /api/admin/limits/:role) and each user's usage against them (GET /api/me/usage).
 * Registers itself as the queue's admission with comfy/ (which imports no feature built on it) and
 * exports RoleLimitsService for GraphPolicy's value limits.
 */
@Module({
  imports: [TypeOrmModule.forFeature([RoleLimitsEntity]), EventsModule, ComfyModule, UsageModule],
  controllers: [LimitsController, MyUsageController],
  providers: [RoleLimitsRepository, RoleLimitsService],
  exports: [RoleLimitsService],
})
export class LimitsModule {}
