import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ComfyModule } from '../comfy/comfy.module.js';
import { ComfyTemplatesModule } from '../comfy-templates/comfy-templates.module.js';
import { EventsModule } from '../events/events.module.js';
import { SweepFinish } from './sweep-finish.js';
import { SweepSheets } from './sweep-sheets.service.js';
import { SweepEntity } from './sweep.entity.js';
import { SweepsController } from './sweeps.controller.js';
import { SweepsRepository } from './sweeps.repository.js';
import { SweepsService } from './sweeps.service.js';

/**
 * Parameter sweeps (POST/GET /api/comfy/sweeps): every cell planned through comfy-templates' run path and queued
 * through comfy's ledger; the contact sheet reads finished cells' images through comfy's JobOutputs. SweepFinish
 * announces `sweep.finished` when the last cell ends.
 */
@Module({
  imports: [TypeOrmModule.forFeature([SweepEntity]), EventsModule, ComfyModule, ComfyTemplatesModule],
  controllers: [SweepsController],
  providers: [SweepsService, SweepSheets, SweepsRepository, SweepFinish],
})
export class SweepsModule {}
