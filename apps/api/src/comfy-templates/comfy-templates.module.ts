import { Module } from '@nestjs/common';
import { ComfyModule } from '../comfy/comfy.module.js';
import { ComfyUploadsModule } from '../comfy-uploads/comfy-uploads.module.js';
import { EventsModule } from '../events/events.module.js';
import { LimitsModule } from '../limits/limits.module.js';
import { ConvertService } from './convert.service.js';
import { GraphPolicy } from './graph-policy.js';
import { RunsController } from './runs.controller.js';
import { TemplateLibraryService } from './template-library.service.js';
import { TemplateRuns } from './template-runs.service.js';
import { TemplatesController } from './templates.controller.js';

/**
 * Parameterised workflows: the template library (GET /presets, GET /workflows), UI-workflow conversion, and the
 * one run path behind POST /queue, /txt2img and /workflows/:name/run. Jobs go to the comfy module's ledger.
 */
@Module({
  imports: [ComfyModule, ComfyUploadsModule, EventsModule, LimitsModule],
  controllers: [TemplatesController, RunsController],
  providers: [ConvertService, TemplateLibraryService, TemplateRuns, GraphPolicy],
  exports: [TemplateRuns, GraphPolicy],
})
export class ComfyTemplatesModule {}
