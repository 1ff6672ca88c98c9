import { Injectable } from '@nestjs/common';
import { RuntimeConfig } from '../config/runtime-config.service.js';
import type { ComfyWiring } from './backends/backend-link.js';
import { ComfyPool } from './backends/comfy-pool.js';

export type { ComfyWiring } from './backends/backend-link.js';

/**
 * The default backend's wiring, as callers that knew only one ComfyUI ask for it (the pool, ComfyPool,
 * holds one wiring per backend; code that knows which backend a job is on asks the pool). One client id
 * for the life of the process, shared by every backend's socket: ComfyUI only sends a prompt's events to
 * the client id that queued it, so keeping it across rewirings keeps jobs audible.
 */
@Injectable()
export class ComfyService {
  constructor(
    private readonly pool: ComfyPool,
    private readonly runtime: RuntimeConfig,
  ) {}

  get clientId(): string {
    return this.pool.clientId;
  }

  get isEnabled(): boolean {
    return this.runtime.get().comfy_enabled;
  }

  /** The default backend's wiring, or null while it (or the integration) is off. */
  current(): ComfyWiring | null {
    return this.pool.wiringOf(null);
  }

  /**
   * A wiring to send work to: the default backend's, or while it is switched off another wired backend's (an
   * upload goes there, and InputsOnBackend copies it wherever a job needs it); 503 `comfy.disabled` while the
   * integration is off or no backend is wired. Also the gate of the run path: jobs need some backend.
   */
  require(): ComfyWiring {
    const wiring = this.pool.wiringOf(null) ?? this.pool.list()[0]?.wiring;
    return wiring ?? this.pool.requireWiring(null);
  }

  /** Re-opens the default backend's socket after it gave up. */
  reconnectSocket(): void {
    this.pool.defaultBackend()?.link.reconnectSocket();
  }
}
