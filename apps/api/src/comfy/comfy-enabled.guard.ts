import { Injectable, type CanActivate } from '@nestjs/common';
import { RuntimeConfig } from '../config/runtime-config.service.js';
import { AppError } from '../common/app-error.js';

/**
 * Answers 503 `comfy.disabled` while an admin has the ComfyUI integration switched off. Reads the live
 * setting on every request, so toggling it applies at once. Put it on every /api/comfy controller
 * except health (the gallery's ingest controller reuses it).
 */
@Injectable()
export class ComfyEnabledGuard implements CanActivate {
  constructor(private readonly runtime: RuntimeConfig) {}

  canActivate(): boolean {
    if (!this.runtime.get().comfy_enabled) {
      throw new AppError('comfy.disabled', 'The ComfyUI integration is switched off');
    }
    return true;
  }
}
