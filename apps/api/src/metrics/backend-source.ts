import { Injectable } from '@nestjs/common';
import { WatchdogService } from '../comfy/watchdog.service.js';

/** What the metrics show of one ComfyUI backend. */
export interface BackendSample {
  id: number;
  name: string;
  up: boolean;
  latencyMs: number | null;
  /** ComfyUI's own count of prompts still to run. */
  queueRemaining: number | null;
}

/** The default backend until the pool names more: id 1, `default` (as the pool's seed row). */
export const defaultBackend = { id: 1, name: 'default' } as const;

/**
 * The backends' health for the metrics, read at scrape time from the watchdog (no probe of its own).
 * One backend today; the pool's views replace this when it lands.
 */
@Injectable()
export class BackendSource {
  constructor(private readonly watchdog: WatchdogService) {}

  samples(): BackendSample[] {
    const health = this.watchdog.view();
    return [
      {
        ...defaultBackend,
        up: health.state === 'up' || health.state === 'degraded',
        latencyMs: health.latency_ms ?? null,
        queueRemaining: health.queue_remaining,
      },
    ];
  }

  /** The label of a backend id: its name (the id itself for one the source does not know). */
  nameOf(id: number): string {
    return id === defaultBackend.id ? defaultBackend.name : String(id);
  }
}
