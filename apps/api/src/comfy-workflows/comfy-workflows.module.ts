import { Module } from '@nestjs/common';
import { ComfyEnabledGuard } from '../comfy/comfy-enabled.guard.js';
import { ComfyWorkflowsController } from './comfy-workflows.controller.js';
import { ConvertService } from './convert.service.js';
import { PresetCatalogService } from './preset-catalog.service.js';
import { WorkflowLibraryService } from './workflow-library.service.js';
import { WorkflowRunsService } from './workflow-runs.service.js';

/**
 * /api/comfy/workflows (convert, library, run) and /api/comfy/presets. Uses the comfy module's exported
 * ObjectInfoCache and JobLedgerService (it is @Global).
 */
@Module({
  controllers: [ComfyWorkflowsController],
  providers: [
    ConvertService,
    WorkflowLibraryService,
    WorkflowRunsService,
    PresetCatalogService,
    ComfyEnabledGuard,
  ],
})
export class ComfyWorkflowsModule {}
