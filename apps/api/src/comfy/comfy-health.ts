import { roleAtLeast, type AuthUser, type ComfyHealthResponse } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { ManagedComfyService } from '../comfy-managed/managed-comfy.service.js';
import { RuntimeConfig } from '../config/runtime-config.service.js';
import { ComfyPool } from './backends/comfy-pool.js';
import { ComfyService } from './comfy.service.js';
import { WatchdogService } from './watchdog.service.js';

/**
 * GET /api/comfy/health: the switch, the default backend's state and every backend's state (names, no URLs)
 * for everyone; the default backend's wiring (ComfyUI's URL), the last error, devices and managed mode's process
 * (pid, port, log lines) for admins only (the pool's URLs: GET /api/admin/backends).
 */
@Injectable()
export class ComfyHealth {
  constructor(
    private readonly comfy: ComfyService,
    private readonly runtime: RuntimeConfig,
    private readonly watchdog: WatchdogService,
    private readonly managed: ManagedComfyService,
    private readonly pool: ComfyPool,
  ) {}

  async view(user: AuthUser): Promise<ComfyHealthResponse> {
    const settings = this.runtime.get();
    if (!settings.comfy_enabled) return { status: 'ok', enabled: false };
    const comfy = this.watchdog.view();
    const summary = {
      status: 'ok',
      enabled: true,
      state: comfy.state,
      queue_remaining: comfy.queue_remaining,
      backends: await this.pool.health(),
    } as const;
    if (!roleAtLeast(user.role, 'admin')) return summary;
    return {
      ...summary,
      info: {
        base_url: this.comfy.current()?.baseUrl ?? settings.comfy_api_url,
        timeout: settings.comfy_timeout,
        client_wired: this.comfy.current() !== null,
        comfy,
        managed: this.managed.status(),
      },
    };
  }
}
