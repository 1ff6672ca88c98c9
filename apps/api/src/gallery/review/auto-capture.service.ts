import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { RuntimeConfig } from '../../config/runtime-config.service.js';
import type { JobEvent } from '../../events/app-events.js';
import { EventBus } from '../../events/event-bus.js';
import { IngestService } from '../ingest.service.js';
import { ReviewsRepository } from './reviews.repository.js';

/** Prompt ids remembered as captured; beyond, the oldest are forgotten (the hash still dedupes). */
const rememberedJobs = 10_000;

/**
 * With the admin setting `gallery_auto_capture` on, every job that succeeds has its images kept as
 * private, unreviewed images of the job's owner, the way POST /api/gallery/keep would. A failure
 * (ComfyUI gone, an image refused) is logged and never reaches the job. A job is captured once
 * however often its success is announced; bytes kept already stay as they are.
 */
@Injectable()
export class AutoCaptureService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(AutoCaptureService.name);
  private readonly captured = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly bus: EventBus,
    private readonly runtime: RuntimeConfig,
    private readonly ingest: IngestService,
    private readonly reviews: ReviewsRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.unsubscribe = this.bus.subscribe('job.succeeded', (event) => this.onSucceeded(event));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    // The database closes after this: captures in flight finish first.
    await Promise.allSettled([...this.pending]);
  }

  private onSucceeded(event: JobEvent): void {
    if (!this.runtime.get().gallery_auto_capture) return;
    if (this.captured.has(event.promptId)) return;
    this.remember(event.promptId);
    const work = this.capture(event).catch((error: unknown) => {
      // Not captured after all: a repeated announcement may try again.
      this.captured.delete(event.promptId);
      this.logger.warn(
        { err: error, promptId: event.promptId },
        'Could not capture the images of a finished job',
      );
    });
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }

  private async capture({ promptId, ownerId, job }: JobEvent): Promise<void> {
    if (job.images.length === 0) return;
    const owner = await this.reviews.user(ownerId);
    if (!owner) {
      this.logger.warn({ promptId, ownerId }, 'The owner of a finished job is unknown; nothing captured');
      return;
    }
    const { items } = await this.ingest.fromJob(owner, { prompt_id: promptId }, 'private');
    this.logger.log(
      { promptId, kept: items.filter((item) => !item.duplicate).length },
      'Captured the images of a finished job',
    );
  }

  private remember(promptId: string): void {
    this.captured.add(promptId);
    if (this.captured.size > rememberedJobs) {
      const oldest = this.captured.values().next().value;
      if (oldest !== undefined) this.captured.delete(oldest);
    }
  }
}
