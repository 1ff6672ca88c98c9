import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ComfyModule } from '../comfy/comfy.module.js';
import { ComfyTemplatesModule } from '../comfy-templates/comfy-templates.module.js';
import { EventsModule } from '../events/events.module.js';
import { GalleryModule } from '../gallery/gallery.module.js';
import { SweepFinish } from './sweep-finish.js';
import { SweepSheetRenderer } from './sweep-sheet-render.js';
import { SweepSheets } from './sweep-sheets.service.js';
import { SweepEntity } from './sweep.entity.js';
import { SweepsController } from './sweeps.controller.js';
import { SweepsRepository } from './sweeps.repository.js';
import { SweepsService } from './sweeps.service.js';

/**
 * Parameter sweeps (POST/GET /api/comfy/sweeps): every cell planned through comfy-templates' run path and queued
 * through comfy's ledger; the contact sheet reads finished cells' images through comfy's JobOutputs. SweepFinish
 * announces `sweep.finished` when the last cell ends. Contact sheets are `sweep.sheet` background jobs drawn into
 * gallery's ImageStore (the shared folder every replica serves from).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([SweepEntity]),
    EventsModule,
    ComfyModule,
    ComfyTemplatesModule,
    GalleryModule,
  ],
  controllers: [SweepsController],
  providers: [SweepsService, SweepSheets, SweepSheetRenderer, SweepsRepository, SweepFinish],
})
export class SweepsModule {}
