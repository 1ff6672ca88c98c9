import type { ComfyUploadKind } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { JobInputsRepository } from './job-inputs.repository.js';
import { UploadCleanupService } from './upload-cleanup.service.js';

/** An uploaded file a job read. */
export interface JobInput {
  sha256: string;
  kind: ComfyUploadKind;
}

/**
 * Which of our uploads a job read, in graph order (exported: gallery ingest names an image's parent
 * from it). Recorded when ComfyUI accepts the job; a job too quick for that write is waited for.
 */
@Injectable()
export class JobInputs {
  constructor(
    private readonly cleanup: UploadCleanupService,
    private readonly inputs: JobInputsRepository,
  ) {}

  async of(promptId: string): Promise<JobInput[]> {
    await this.cleanup.linked(promptId);
    const rows = await this.inputs.of(promptId);
    return rows.map((row) => ({ sha256: row.sha256, kind: row.kind }));
  }

  /** The job's input image (the first `image` upload it read), or null for a job made from nothing. */
  async imageOf(promptId: string): Promise<string | null> {
    return (await this.of(promptId)).find((input) => input.kind === 'image')?.sha256 ?? null;
  }
}
