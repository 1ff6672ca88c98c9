import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { jobEndEvents, type JobEndEvent, type JobEvent } from '../events/app-events.js';
import { EventBus } from '../events/event-bus.js';
import { BackendSource } from './backend-source.js';
import { activeJobStatuses, JobCountsRepository } from './job-counts.repository.js';
import { MetricsRegistry } from './metrics-registry.js';

/** Seconds, from an instant job to one that waited behind a long queue (or ran a long video graph). */
const jobBuckets = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/**
 * The job series. Counts of jobs that have not ended are read from the ledger at scrape time (index-backed
 * counts of the active rows only); outcomes and durations are recorded from the job events as they happen.
 * - `atelier_jobs{state}`: jobs waiting in Atelier, queued in a backend, running;
 * - `atelier_jobs_finished_total{state}`: jobs that ended, by outcome, since the server started;
 * - `atelier_queue_waiting{user}`: each user's waiting jobs;
 * - `atelier_job_wait_seconds{backend}`: created → started (waiting in Atelier plus in ComfyUI's queue);
 * - `atelier_job_run_seconds{backend,outcome}`: started → ended.
 */
@Injectable()
export class JobMetrics implements OnModuleInit, OnModuleDestroy {
  private readonly finished: Counter<'state'>;
  private readonly waitSeconds: Histogram<'backend'>;
  private readonly runSeconds: Histogram<'backend' | 'outcome'>;
  /** Jobs seen starting: when (ms) and on which backend, until they end. */
  private readonly running = new Map<string, { startedAt: number; backendId: number }>();
  /** The backend each job was handed to, from `job.queued`, until it ends. */
  private readonly backendOf = new Map<string, number>();
  /** When each job joined the queue (`job.waiting`, ms): the ledger's created_at keeps whole seconds only. */
  private readonly waitingSince = new Map<string, number>();
  private readonly detach: (() => void)[] = [];

  constructor(
    metrics: MetricsRegistry,
    private readonly bus: EventBus,
    private readonly counts: JobCountsRepository,
    private readonly backends: BackendSource,
  ) {
    const registers = [metrics.registry];
    new Gauge({
      name: 'atelier_jobs',
      help: 'Jobs that have not ended, by state (waiting in Atelier, queued in a backend, running)',
      labelNames: ['state'] as const,
      registers,
      async collect() {
        const byStatus = new Map((await counts.activeByStatus()).map((row) => [row.status as string, row.n]));
        for (const state of activeJobStatuses) this.set({ state }, byStatus.get(state) ?? 0);
      },
    });
    new Gauge({
      name: 'atelier_queue_waiting',
      help: "Jobs waiting in Atelier's queue, per user",
      labelNames: ['user'] as const,
      registers,
      async collect() {
        const waiting = await counts.waitingPerUser();
        this.reset();
        for (const { user, n } of waiting) this.set({ user }, n);
      },
    });
    this.finished = new Counter({
      name: 'atelier_jobs_finished_total',
      help: 'Jobs that ended since the server started, by outcome',
      labelNames: ['state'] as const,
      registers,
    });
    this.waitSeconds = new Histogram({
      name: 'atelier_job_wait_seconds',
      help: 'From a job being created to ComfyUI starting it, seconds',
      labelNames: ['backend'] as const,
      buckets: jobBuckets,
      registers,
    });
    this.runSeconds = new Histogram({
      name: 'atelier_job_run_seconds',
      help: 'From ComfyUI starting a job to its end, seconds',
      labelNames: ['backend', 'outcome'] as const,
      buckets: jobBuckets,
      registers,
    });
  }

  onModuleInit(): void {
    this.detach.push(
      this.bus.subscribe('job.waiting', ({ promptId }) => {
        this.waitingSince.set(promptId, Date.now());
      }),
      this.bus.subscribe('job.queued', ({ promptId, backendId }) => {
        this.backendOf.set(promptId, backendId);
      }),
      this.bus.subscribe('job.running', (event) => this.started(event)),
      ...jobEndEvents.map((name) => this.bus.subscribe(name, (event) => this.ended(event))),
    );
  }

  onModuleDestroy(): void {
    for (const off of this.detach.splice(0)) off();
  }

  private async started({ promptId }: JobEvent): Promise<void> {
    if (this.running.has(promptId)) return;
    const now = Date.now();
    const backendId = this.backendOf.get(promptId) ?? this.backends.defaultId();
    this.running.set(promptId, { startedAt: now, backendId });
    const known = this.waitingSince.get(promptId);
    this.waitingSince.delete(promptId);
    // A job that waited before this process started: its row's creation time.
    const since = known ?? (await this.counts.timesOf(promptId))?.createdAt;
    if (since !== undefined)
      this.waitSeconds.observe({ backend: this.backends.nameOf(backendId) }, seconds(now - since));
  }

  private async ended({ promptId, job, backendId }: JobEndEvent): Promise<void> {
    const run = this.running.get(promptId);
    this.running.delete(promptId);
    this.backendOf.delete(promptId);
    this.waitingSince.delete(promptId);
    this.finished.inc({ state: job.status });
    // A job that ended without starting (cancelled while queued, lost) has no run time.
    const startedAt = run?.startedAt ?? (await this.counts.timesOf(promptId))?.startedAt ?? null;
    if (startedAt === null) return;
    const backend = this.backends.nameOf(backendId ?? run?.backendId ?? this.backends.defaultId());
    this.runSeconds.observe({ backend, outcome: job.status }, seconds(Date.now() - startedAt));
  }
}

function seconds(ms: number): number {
  return Math.max(0, ms) / 1000;
}
