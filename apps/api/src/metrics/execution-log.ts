import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Counter } from 'prom-client';
import type { ComfyExecutionEvent } from '../events/app-events.js';
import { EventBus } from '../events/event-bus.js';
import { BackendSource } from './backend-source.js';
import { JobCountsRepository } from './job-counts.repository.js';
import { MetricsRegistry } from './metrics-registry.js';

/** Jobs followed at once; beyond it the oldest is forgotten (its next line has no duration). */
const maxFollowed = 1000;

interface Followed {
  /** When its previous execution event arrived (ms). */
  lastAt: number;
  /** Node id → class, from the job's graph in the ledger (empty for a prompt Atelier did not queue). */
  classes: Map<string, string>;
}

/**
 * Every execution message of every backend (`comfy.execution`): counted in
 * `atelier_comfy_execution_events_total{backend,type}` and logged as one structured line — job, backend,
 * node and its class, and the time since that job's previous event, which is how long the previous node
 * took. A job is followed from its first event to ComfyUI's end marker (`executing` with no node).
 */
@Injectable()
export class ExecutionLog implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('ComfyExecution');
  private readonly events: Counter<'backend' | 'type'>;
  private readonly followed = new Map<string, Followed>();
  private detach: () => void = () => {};

  constructor(
    metrics: MetricsRegistry,
    private readonly bus: EventBus,
    private readonly counts: JobCountsRepository,
    private readonly backends: BackendSource,
  ) {
    this.events = new Counter({
      name: 'atelier_comfy_execution_events_total',
      help: "ComfyUI's execution messages (progress aside), by backend and type",
      labelNames: ['backend', 'type'] as const,
      registers: [metrics.registry],
    });
  }

  onModuleInit(): void {
    this.detach = this.bus.subscribe('comfy.execution', (event) => this.record(event));
  }

  onModuleDestroy(): void {
    this.detach();
  }

  private record(event: ComfyExecutionEvent): void {
    const backend = this.backends.nameOf(event.backendId);
    this.events.inc({ backend, type: event.type });
    const known = this.followed.get(event.promptId);
    // The first event of a job has nothing before it to measure from.
    const durationMs = known ? event.at - known.lastAt : null;
    const job = known ?? this.follow(event.promptId);
    job.lastAt = event.at;
    this.logger.log(
      {
        promptId: event.promptId,
        backend,
        event: event.type,
        node: event.node,
        nodeType: event.nodeType ?? (event.node === null ? null : (job.classes.get(event.node) ?? null)),
        ...(event.nodes ? { cachedNodes: event.nodes.length } : {}),
        durationMs,
      },
      'ComfyUI execution event',
    );
    if (event.type === 'executing' && event.node === null) this.followed.delete(event.promptId);
  }

  private follow(promptId: string): Followed {
    if (this.followed.size >= maxFollowed) {
      const oldest = this.followed.keys().next().value;
      if (oldest !== undefined) this.followed.delete(oldest);
    }
    const job: Followed = { lastAt: 0, classes: new Map<string, string>() };
    this.followed.set(promptId, job);
    // Filled in when the ledger answers: before ComfyUI's next message (a first event names no node anyway).
    void this.counts.nodeClassesOf(promptId).then(
      (classes) => {
        for (const [id, type] of classes ?? []) job.classes.set(id, type);
      },
      (error: unknown) =>
        this.logger.warn({ promptId, error: String(error) }, 'Could not read the job graph'),
    );
    return job;
  }
}
