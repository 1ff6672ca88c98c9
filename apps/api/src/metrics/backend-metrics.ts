import { Injectable } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { RedisJobStreams } from '../comfy/redis-job-streams.js';
import { StreamHub } from '../comfy/stream-hub.js';
import { BackendSource } from './backend-source.js';
import { MetricsRegistry } from './metrics-registry.js';

/**
 * Gauges read at scrape time from what the pool and the stream hub already keep (no probe of their own):
 * `atelier_backend_up{backend}`, `atelier_backend_latency_seconds{backend}` (its watchdog's last probe),
 * `atelier_backend_queue_remaining{backend}` (ComfyUI's own count), `atelier_backend_in_flight{backend}`
 * (jobs handed to it, from the ledger) and `atelier_sse_subscribers`.
 */
@Injectable()
export class BackendMetrics {
  constructor(metrics: MetricsRegistry, backends: BackendSource, hub: StreamHub, shared: RedisJobStreams) {
    const registers = [metrics.registry];
    new Gauge({
      name: 'atelier_backend_up',
      help: 'Whether a ComfyUI backend answered its last health probe (1) or not (0)',
      labelNames: ['backend'] as const,
      registers,
      async collect() {
        const samples = await backends.samples();
        this.reset();
        for (const backend of samples) this.set({ backend: backend.name }, backend.up ? 1 : 0);
      },
    });
    new Gauge({
      name: 'atelier_backend_latency_seconds',
      help: "Duration of a ComfyUI backend's last health probe, seconds",
      labelNames: ['backend'] as const,
      registers,
      async collect() {
        const samples = await backends.samples();
        this.reset();
        for (const { name, latencyMs } of samples)
          if (latencyMs !== null) this.set({ backend: name }, latencyMs / 1000);
      },
    });
    new Gauge({
      name: 'atelier_backend_queue_remaining',
      help: 'Prompts a ComfyUI backend still has to run, as it reports them',
      labelNames: ['backend'] as const,
      registers,
      async collect() {
        const samples = await backends.samples();
        this.reset();
        for (const { name, queueRemaining } of samples)
          if (queueRemaining !== null) this.set({ backend: name }, queueRemaining);
      },
    });
    new Gauge({
      name: 'atelier_backend_in_flight',
      help: 'Jobs Atelier has handed to a ComfyUI backend that have not ended (queued or running there)',
      labelNames: ['backend'] as const,
      registers,
      async collect() {
        const samples = await backends.samples();
        this.reset();
        for (const { name, inFlight } of samples) this.set({ backend: name }, inFlight);
      },
    });
    new Gauge({
      name: 'atelier_sse_subscribers',
      help: 'Open job event streams (Server-Sent Events)',
      registers,
      collect() {
        // Scale-out: the streams read from the jobs' Redis logs (RedisJobStreams) are open streams too.
        this.set(hub.stats().subscribers + shared.stats().subscribers);
      },
    });
  }
}
