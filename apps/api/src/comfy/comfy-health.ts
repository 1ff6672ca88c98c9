import type { ComfyHealthResponse } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { ManagedComfyService } from '../comfy-managed/managed-comfy.service.js';
import { RuntimeConfig } from '../config/runtime-config.service.js';
import { ComfyService } from './comfy.service.js';
import { WatchdogService } from './watchdog.service.js';

/** GET /api/comfy/health: the switch, the wiring and the watchdog's last word. */
@Injectable()
export class ComfyHealth {
  constructor(
    private readonly comfy: ComfyService,
    private readonly runtime: RuntimeConfig,
    private readonly watchdog: WatchdogService,
    private readonly managed: ManagedComfyService,
  ) {}

  view(): ComfyHealthResponse {
    const settings = this.runtime.get();
    if (!settings.comfy_enabled) return { status: 'ok', enabled: false };
    return {
      status: 'ok',
      enabled: true,
      info: {
        base_url: settings.comfy_api_url,
        timeout: settings.comfy_timeout,
        client_wired: this.comfy.current() !== null,
        comfy: this.watchdog.view(),
        managed: this.managed.status(),
      },
    };
  }
}
