import {
  maxUsageRangeDays,
  type UsageDay,
  type UsageDayString,
  type UsageGroupBy,
  type UsageResponse,
} from '@atelier/contract';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { ComfyPool } from '../comfy/backends/comfy-pool.js';
import { jobEndEvents, type JobEndEvent } from '../events/app-events.js';
import { EventBus } from '../events/event-bus.js';
import { usageCsv } from './usage-csv.js';
import { addTo, series, usageReport } from './usage-report.js';
import { UsageRepository } from './usage.repository.js';
import { addDays, dayCount, daysFrom, utcDay } from './utc-day.js';

export interface UsageRange {
  from: UsageDayString;
  to: UsageDayString;
}

/**
 * GPU accounting: every job that ran on a backend adds its GPU-seconds (ComfyUI's execution_start to its
 * end, carried by the end event) to its UTC day, user, role and backend. Today's per-user sums are also
 * kept in memory, for the quota check on every submit and the dispatcher's `held`.
 */
@Injectable()
export class UsageService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(UsageService.name);
  private today = utcDay();
  private secondsToday = new Map<number, number>();
  private writes: Promise<void> = Promise.resolve();
  private detach: (() => void)[] = [];

  constructor(
    private readonly usage: UsageRepository,
    private readonly bus: EventBus,
    private readonly backends: ComfyPool,
  ) {}

  async onModuleInit(): Promise<void> {
    this.detach = jobEndEvents.map((name) => this.bus.subscribe(name, (end) => this.record(end)));
    this.secondsToday = await this.usage.secondsByUser(this.today);
  }

  async onModuleDestroy(): Promise<void> {
    for (const off of this.detach.splice(0)) off();
    await this.writes;
  }

  /** GPU-seconds the user spent today (UTC), as this process counted them. */
  usedTodayS(userId: number): number {
    this.rollOver();
    return this.secondsToday.get(userId) ?? 0;
  }

  /** Resolves once every usage write started so far is done (tests and shutdown). */
  settled(): Promise<void> {
    return this.writes;
  }

  async report(range: Partial<UsageRange>, groupBy: UsageGroupBy): Promise<UsageResponse> {
    const { from, to } = checkedRange(range);
    const details = await this.usage.range(from, to);
    return usageReport(from, to, groupBy, details, {
      user: (id, username) => username ?? `user ${id}`,
      backend: (id) => this.backendName(id),
    });
  }

  async csv(range: Partial<UsageRange>): Promise<{ filename: string; body: string }> {
    const { from, to } = checkedRange(range);
    const body = usageCsv(await this.usage.range(from, to), (id) => this.backendName(id));
    return { filename: `atelier-usage-${from}-${to}.csv`, body };
  }

  /** One user's usage per day over a range, every day present (zeros included), ascending. */
  async daysOf(userId: number, range: UsageRange): Promise<UsageDay[]> {
    const byDay = new Map<string, UsageDay>();
    for (const day of daysFrom(range.from, range.to)) byDay.set(day, { day, jobs: 0, gpu_seconds: 0 });
    for (const detail of await this.usage.range(range.from, range.to, userId)) addTo(byDay, detail);
    return series(byDay);
  }

  private record(end: JobEndEvent): void {
    // A job cancelled while waiting never reached a backend: it cost nothing and is not a job run.
    if (end.backendId === null || end.backendId === undefined) return;
    this.rollOver();
    const day = this.today;
    const gpuSeconds = end.gpuSeconds ?? 0;
    // Counted at once (the next submit's quota check must see it), written in order after.
    this.secondsToday.set(end.ownerId, (this.secondsToday.get(end.ownerId) ?? 0) + gpuSeconds);
    const addition = {
      day,
      userId: end.ownerId,
      role: end.ownerRole ?? 'user',
      backendId: end.backendId,
      jobs: 1,
      gpuSeconds,
    };
    this.writes = this.writes
      .then(() => this.usage.add(addition))
      .catch((error: unknown) =>
        this.logger.error({ err: error, promptId: end.promptId }, 'Recording GPU usage failed'),
      );
  }

  /** At UTC midnight today's sums start again from 0. */
  private rollOver(): void {
    const now = utcDay();
    if (now === this.today) return;
    this.today = now;
    this.secondsToday = new Map();
  }

  /** Its name whether it is wired or not; a removed backend by its id. */
  private backendName(id: number): string {
    return this.backends.nameOf(id) ?? `backend ${id}`;
  }
}

/** Defaults (the last 30 days to today) and bounds of a report's range. */
function checkedRange(range: Partial<UsageRange>): UsageRange {
  const to = range.to ?? utcDay();
  const from = range.from ?? addDays(to, -29);
  if (from > to)
    throw new AppError('validation_failed', 'from must not be after to', { from: ['is after to'] });
  if (dayCount(from, to) > maxUsageRangeDays) {
    throw new AppError('validation_failed', `A report covers at most ${maxUsageRangeDays} days`, {
      from: [`must be at most ${maxUsageRangeDays - 1} days before to`],
    });
  }
  return { from, to };
}
