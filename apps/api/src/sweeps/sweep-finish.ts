import { terminalJobStatuses, type JobStatus } from '@atelier/contract';
import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { EventBus } from '../events/event-bus.js';
import { jobEndEvents, type JobEndEvent } from '../events/app-events.js';
import { SweepsRepository } from './sweeps.repository.js';

/**
 * Publishes `sweep.finished` once the last cell of a sweep ends. The tracker writes a job's end to the ledger
 * after publishing it, so the ledger alone may still call a just-ended cell running: the statuses heard on the
 * bus are kept here (only for sweep cells, dropped once their sweep finished) and win over the ledger's.
 */
@Injectable()
export class SweepFinish implements OnModuleInit, OnModuleDestroy {
  private detach: (() => void)[] = [];
  /** End statuses heard for cells of sweeps not finished yet. */
  private readonly heard = new Map<string, JobStatus>();
  /** Sweeps announced by this process: two cells ending together must not both announce it. */
  private readonly announced = new Set<string>();

  constructor(
    private readonly bus: EventBus,
    private readonly sweeps: SweepsRepository,
  ) {}

  onModuleInit(): void {
    this.detach = jobEndEvents.map((name) => this.bus.subscribe(name, (end) => this.ended(end)));
  }

  onModuleDestroy(): void {
    for (const off of this.detach.splice(0)) off();
  }

  private async ended(end: JobEndEvent): Promise<void> {
    const sweep = await this.sweeps.sweepOfPrompt(end.promptId);
    if (!sweep || this.announced.has(sweep.id)) return;
    this.heard.set(end.promptId, end.job.status);
    const cells = await this.sweeps.cells(sweep.id);
    // From here to the publish nothing awaits: whichever handler resumes after the last status was heard sees
    // every one (and another that got here first may have announced the sweep meanwhile).
    if (this.announced.has(sweep.id)) return;
    if (cells.length < sweep.jobCount) return; // its cells are still being recorded
    const statuses = cells.map((cell) => this.heard.get(cell.promptId) ?? cell.status);
    if (!statuses.every((status) => terminalJobStatuses.includes(status))) return;
    this.announced.add(sweep.id);
    for (const cell of cells) this.heard.delete(cell.promptId);
    const succeeded = statuses.filter((status) => status === 'succeeded').length;
    void this.bus.publish('sweep.finished', {
      sweepId: sweep.id,
      ownerId: sweep.ownerId,
      total: cells.length,
      succeeded,
      failed: cells.length - succeeded,
    });
  }
}
