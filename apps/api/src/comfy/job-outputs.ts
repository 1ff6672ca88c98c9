import type { ComfyImageRef, JobStatus } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { JobTracker } from './job-tracker.js';
import { snapshotFromLedger } from './job-views.js';
import { JobsRepository } from './jobs.repository.js';
import { ViewProxy } from './view-proxy.js';
import { ComfyPool } from './backends/comfy-pool.js';

/** What the gallery needs to know about a ComfyUI job to keep its images with their provenance. */
export interface JobRecord {
  prompt_id: string;
  owner_id: number;
  /** The builder's parameters (txt2img jobs), kept in the sidecar as provenance. */
  params: Record<string, unknown> | null;
  /** The API-format prompt that ran. */
  workflow: Record<string, unknown> | null;
  images: ComfyImageRef[];
  status: JobStatus;
  /** The template it was built from and that template's version; null for a caller's own graph. */
  template_id: string | null;
  template_version: string | null;
  /** The ComfyUI server that ran it (its URL's host) and its version, as far as Atelier knows them now. */
  backend: string | null;
  backend_version: string | null;
}

/** A job's record and output bytes, for ingest (gallery/): the ledger with the tracker's live state, and /view. */
@Injectable()
export class JobOutputs {
  private readonly maxBytes: number;

  constructor(
    private readonly jobs: JobsRepository,
    private readonly tracker: JobTracker,
    private readonly view: ViewProxy,
    private readonly pool: ComfyPool,
    config: AppConfig,
  ) {
    this.maxBytes = config.gallery.ingestMaxBytes;
  }

  /** The job as the ledger knows it, or null when the prompt id is unknown. */
  async findJob(promptId: string): Promise<JobRecord | null> {
    const job = await this.jobs.findByPromptId(promptId);
    if (!job) return null;
    const snapshot = this.tracker.snapshotOf(promptId) ?? snapshotFromLedger(job);
    return {
      prompt_id: job.promptId,
      owner_id: job.ownerId,
      params: job.params,
      workflow: job.workflow,
      images: snapshot.images,
      status: snapshot.status,
      template_id: job.templateId,
      template_version: job.templateVersion,
      ...this.backend(job.backendId),
    };
  }

  /** The job's backend as wired now (which ran the job unless it was re-pointed since; a busy one cannot be). */
  private backend(backendId: number | null): { backend: string | null; backend_version: string | null } {
    const wiring = this.pool.wiringOf(backendId);
    let host: string | null;
    try {
      host = wiring ? new URL(wiring.baseUrl).host : null;
    } catch {
      host = null;
    }
    const version = wiring ? (this.pool.handle(wiring.backendId)?.watchdog.view().version ?? null) : null;
    return { backend: host, backend_version: version };
  }

  /**
   * The bytes of one output image, from the backend its ref names (the job's refs carry it); an AppError (e.g.
   * `comfy.unreachable`) when ComfyUI cannot serve them.
   */
  fetchImage(ref: ComfyImageRef): Promise<Buffer> {
    return this.view.fetch(ref, this.maxBytes);
  }
}
