import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Registry } from 'prom-client';

/** The process's own series (CPU, memory, event loop, GC): one set per process, however many apps it runs. */
let processRegistry: Registry | null = null;

function processSeries(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * This app's Prometheus registry. One per app instance, never prom-client's global one: tests boot many
 * apps in one process, and the global registry throws when a second app registers the same names.
 */
@Injectable()
export class MetricsRegistry {
  readonly registry = new Registry();

  /** The exposition text: the process's series, then the app's (collected now: gauges read their sources). */
  async render(): Promise<string> {
    const [process, app] = await Promise.all([processSeries().metrics(), this.registry.metrics()]);
    return `${process.trimEnd()}\n${app.trimEnd()}\n`;
  }
}
