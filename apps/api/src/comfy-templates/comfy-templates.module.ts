import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MulterModule } from '@nestjs/platform-express';
import { ComfyModule } from '../comfy/comfy.module.js';
import { ComfyUploadsModule } from '../comfy-uploads/comfy-uploads.module.js';
import { EventsModule } from '../events/events.module.js';
import { LimitsModule } from '../limits/limits.module.js';
import { AppConfig } from '../config/app-config.js';
import { ConvertService } from './convert.service.js';
import { GraphPolicy } from './graph-policy.js';
import { ImportController } from './import.controller.js';
import { ImportService } from './import.service.js';
import { RunsController } from './runs.controller.js';
import { SavedTemplateEntity } from './saved-template.entity.js';
import { SavedTemplatesRepository } from './saved-templates.repository.js';
import { TemplateLibraryService } from './template-library.service.js';
import { TemplateRuns } from './template-runs.service.js';
import { TemplateSavesController } from './template-saves.controller.js';
import { TemplateSaves } from './template-saves.service.js';
import { TemplatesController } from './templates.controller.js';

/**
 * Parameterised workflows: the template library (GET /presets, GET /workflows), UI-workflow conversion, and the
 * one run path behind POST /queue, /txt2img and /workflows/:name/run. Jobs go to the comfy module's ledger.
 */
@Module({
  imports: [
    ComfyModule,
    ComfyUploadsModule,
    EventsModule,
    LimitsModule,
    TypeOrmModule.forFeature([SavedTemplateEntity]),
    // POST /workflows/import: one file in memory, as large as an input image may be.
    MulterModule.registerAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        limits: { fileSize: config.comfyUploads.maxBytes, files: 1, fields: 2, fieldSize: 1024, parts: 3 },
      }),
    }),
  ],
  // TemplateSavesController last: its GET /workflows/:name must not shadow the fixed paths of the others.
  controllers: [TemplatesController, RunsController, ImportController, TemplateSavesController],
  providers: [
    ConvertService,
    TemplateLibraryService,
    TemplateRuns,
    GraphPolicy,
    ImportService,
    SavedTemplatesRepository,
    TemplateSaves,
  ],
  exports: [TemplateRuns, GraphPolicy],
})
export class ComfyTemplatesModule {}
