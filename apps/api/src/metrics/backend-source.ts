import { Injectable } from '@nestjs/common';
import { ComfyPool } from '../comfy/backends/comfy-pool.js';

/** What the metrics show of one ComfyUI backend. */
export interface BackendSample {
  id: number;
  name: string;
  up: boolean;
  latencyMs: number | null;
  /** ComfyUI's own count of prompts still to run. */
  queueRemaining: number | null;
  /** Jobs Atelier handed to it that have not ended (queued or running there). */
  inFlight: number;
}

/**
 * The backends for the metrics, read at scrape time from the pool (its watchdogs' last probes and the
 * ledger's in-flight counts); no probe of its own.
 */
@Injectable()
export class BackendSource {
  constructor(private readonly pool: ComfyPool) {}

  async samples(): Promise<BackendSample[]> {
    return (await this.pool.views()).map((view) => ({
      id: view.id,
      name: view.name,
      up: view.state === 'up',
      latencyMs: view.latency_ms,
      queueRemaining: view.queue_remaining,
      inFlight: view.in_flight,
    }));
  }

  /** The backend of jobs recorded before there was more than one. */
  defaultId(): number {
    return this.pool.defaultId();
  }

  /** The label of a backend id: its name (the id itself for one that was removed). */
  nameOf(id: number): string {
    return this.pool.nameOf(id) ?? String(id);
  }
}
