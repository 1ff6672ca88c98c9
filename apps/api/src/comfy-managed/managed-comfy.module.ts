import { Module } from '@nestjs/common';
import { EventsModule } from '../events/events.module.js';
import { ManagedComfyController } from './managed-comfy.controller.js';
import { ManagedComfyService } from './managed-comfy.service.js';

/** Managed mode: ComfyUI as a supervised child process (inert unless COMFY_MANAGED_COMMAND is set). */
@Module({
  imports: [EventsModule],
  controllers: [ManagedComfyController],
  providers: [ManagedComfyService],
  exports: [ManagedComfyService],
})
export class ManagedComfyModule {}
