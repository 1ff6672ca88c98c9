import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { BackendDirectory } from '../comfy/backends/backend-directory.js';
import { JobLedgerService } from '../comfy/job-ledger.service.js';
import { JobsRepository } from '../comfy/jobs.repository.js';
import { EventBus } from '../events/event-bus.js';
import { QueueOwnersRepository } from './queue-owners.repository.js';

/**
 * A job a backend lost (it restarted, died, or stayed away too long) is queued again once, at its
 * owner's head, preferably on another backend — when its owner allows it (`auto_retry`, on by default).
 * Only first attempts: a retry that is lost too stays lost, so a graph that kills servers cannot loop.
 */
@Injectable()
export class AutoRetry implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(AutoRetry.name);
  private detach: () => void = () => {};

  constructor(
    private readonly bus: EventBus,
    private readonly jobs: JobsRepository,
    private readonly owners: QueueOwnersRepository,
    private readonly ledger: JobLedgerService,
    private readonly backends: BackendDirectory,
  ) {}

  onModuleInit(): void {
    this.detach = this.bus.subscribe('job.lost', ({ promptId }) => {
      this.retry(promptId).catch((error: unknown) =>
        this.logger.warn({ err: error, promptId }, 'Retrying a lost job failed'),
      );
    });
  }

  onModuleDestroy(): void {
    this.detach();
  }

  private async retry(promptId: string): Promise<void> {
    const job = await this.jobs.findByPromptId(promptId);
    if (!job || job.attempt !== 1) return;
    if (!(await this.owners.of(job.ownerId)).autoRetry) return;
    const created = await this.ledger.requeue(job, {
      owner: null,
      at: 'head',
      avoidBackendId: job.backendId ?? this.backends.defaultId(),
    });
    this.logger.log({ promptId, retry: created.promptId }, 'A lost job was queued again');
  }
}
