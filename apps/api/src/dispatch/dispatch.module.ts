import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LeaderDuties } from '../cluster/leader-duties.js';
import { ComfyModule } from '../comfy/comfy.module.js';
import { ComfyTemplatesModule } from '../comfy-templates/comfy-templates.module.js';
import { EventsModule } from '../events/events.module.js';
import { AutoRetry } from './auto-retry.service.js';
import { Dispatcher } from './dispatcher.service.js';
import { QueueOwnerEntity } from './queue-owner.entity.js';
import { QueueOwnersRepository } from './queue-owners.repository.js';
import { QueueController } from './queue.controller.js';
import { QueueService } from './queue.service.js';

/**
 * Atelier's own queue: the dispatcher that posts waiting jobs to backends with room, fairly across
 * owners, and the routes users and admins steer it with. It registers itself with the comfy module's
 * DispatchRegistry (comfy/ imports nothing of this).
 */
@Module({
  imports: [TypeOrmModule.forFeature([QueueOwnerEntity]), ComfyModule, ComfyTemplatesModule, EventsModule],
  controllers: [QueueController],
  // LeaderDuties (cluster/): the dispatcher and the tracker run on the leader replica only.
  providers: [Dispatcher, QueueService, QueueOwnersRepository, AutoRetry, LeaderDuties],
  exports: [Dispatcher],
})
export class DispatchModule {}
