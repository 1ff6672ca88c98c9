import type { ComfyHealthInfo } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { ComfyPool } from './backends/comfy-pool.js';

const unwired: ComfyHealthInfo['comfy'] = {
  state: 'unknown',
  version: null,
  devices: [],
  queue_remaining: null,
  last_error: null,
  latency_ms: null,
  checked_at: null,
  socket: 'idle',
};

/**
 * The default backend's health, as callers that knew only one ComfyUI read it. Each backend of the pool
 * has its own watchdog (backends/backend-watchdog.ts): probes, reconnects, reconciliation.
 */
@Injectable()
export class WatchdogService {
  constructor(private readonly pool: ComfyPool) {}

  /** The comfy part of GET /api/comfy/health, for the default backend. */
  view(): ComfyHealthInfo['comfy'] {
    const backend = this.pool.defaultBackend();
    return backend?.link.current() ? backend.watchdog.view() : { ...unwired };
  }

  /** Probes the default backend at once. */
  probeNow(): Promise<void> {
    return this.pool.defaultBackend()?.watchdog.probeNow() ?? Promise.resolve();
  }
}
