import type { ComfyImageRef } from '@atelier/contract';
import type { Provider } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { GALLERY_JOB_SOURCE, type GalleryJob, type GalleryJobSource } from '../gallery/job-source.js';
import { JobsRepository } from './jobs.repository.js';
import { JobEventsHub } from './job-events.js';
import { snapshotFromLedger } from './job-views.js';
import { ViewProxy } from './view-proxy.js';

/** The gallery's port to the ledger and ComfyUI's /view (see gallery/job-source.ts). */
class LedgerJobSource implements GalleryJobSource {
  constructor(
    private readonly jobs: JobsRepository,
    private readonly hub: JobEventsHub,
    private readonly view: ViewProxy,
    private readonly maxBytes: number,
  ) {}

  async findJob(promptId: string): Promise<GalleryJob | null> {
    const job = await this.jobs.findByPromptId(promptId);
    if (!job) return null;
    const snapshot = this.hub.snapshotOf(promptId) ?? snapshotFromLedger(job);
    return {
      prompt_id: job.promptId,
      owner_id: job.ownerId,
      params: job.params,
      workflow: job.workflow,
      images: snapshot.images,
      status: snapshot.status,
    };
  }

  fetchImage(ref: ComfyImageRef): Promise<Buffer> {
    return this.view.fetch(ref, this.maxBytes);
  }
}

export const galleryJobSourceProvider: Provider = {
  provide: GALLERY_JOB_SOURCE,
  inject: [JobsRepository, JobEventsHub, ViewProxy, AppConfig],
  useFactory: (jobs: JobsRepository, hub: JobEventsHub, view: ViewProxy, config: AppConfig) =>
    new LedgerJobSource(jobs, hub, view, config.gallery.ingestMaxBytes),
};
