import type { ComfyPresetListResponse } from '@atelier/contract';
import { Injectable, Logger } from '@nestjs/common';
import { loadPresets } from '@atelier/workflow';
import { AppConfig } from '../config/app-config.js';

/** GET /api/comfy/presets: the txt2img presets (the same folder POST /api/comfy/txt2img reads). */
@Injectable()
export class PresetCatalogService {
  private readonly logger = new Logger(PresetCatalogService.name);

  constructor(private readonly config: AppConfig) {}

  async list(): Promise<ComfyPresetListResponse> {
    const { presets, problems } = await loadPresets(this.config.comfyTuning.presetsDir);
    for (const problem of problems) this.logger.warn(problem, 'Skipping a txt2img preset');
    return {
      items: presets.map((preset) => ({
        name: preset.name,
        title: preset.title,
        description: preset.description,
        params: Object.keys(preset.params.properties),
        schema: preset.params,
      })),
    };
  }
}
