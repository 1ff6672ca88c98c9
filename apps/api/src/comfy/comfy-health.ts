import { roleAtLeast, type AuthUser, type ComfyHealthResponse } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { ManagedComfyService } from '../comfy-managed/managed-comfy.service.js';
import { RuntimeConfig } from '../config/runtime-config.service.js';
import { ComfyService } from './comfy.service.js';
import { WatchdogService } from './watchdog.service.js';

/**
 * GET /api/comfy/health: the switch and the watchdog's state for everyone; the wiring (ComfyUI's URL),
 * the last error, devices and managed mode's process (pid, port, log lines) for admins only.
 */
@Injectable()
export class ComfyHealth {
  constructor(
    private readonly comfy: ComfyService,
    private readonly runtime: RuntimeConfig,
    private readonly watchdog: WatchdogService,
    private readonly managed: ManagedComfyService,
  ) {}

  view(user: AuthUser): ComfyHealthResponse {
    const settings = this.runtime.get();
    if (!settings.comfy_enabled) return { status: 'ok', enabled: false };
    const comfy = this.watchdog.view();
    const summary = {
      status: 'ok',
      enabled: true,
      state: comfy.state,
      queue_remaining: comfy.queue_remaining,
    } as const;
    if (!roleAtLeast(user.role, 'admin')) return summary;
    return {
      ...summary,
      info: {
        base_url: settings.comfy_api_url,
        timeout: settings.comfy_timeout,
        client_wired: this.comfy.current() !== null,
        comfy,
        managed: this.managed.status(),
      },
    };
  }
}
