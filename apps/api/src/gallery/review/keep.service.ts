import { terminalJobStatuses, type AuthUser, type KeepRequest, type KeepResponse } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { AppError } from '../../common/app-error.js';
import { JobOutputs } from '../../comfy/job-outputs.js';
import { IngestService } from '../ingest.service.js';

/**
 * POST /api/gallery/keep: any user keeps outputs of their own finished job as private images (its
 * owner, curators and admins see them until a curator approves one). Curators keep anyone's job,
 * approved at once, through /api/comfy/ingest/from-job.
 */
@Injectable()
export class KeepService {
  constructor(
    private readonly jobs: JobOutputs,
    private readonly ingest: IngestService,
  ) {}

  async keep(user: AuthUser, request: KeepRequest): Promise<KeepResponse> {
    const job = await this.jobs.findJob(request.prompt_id);
    // Another user's job answers as an unknown one: its existence is none of the caller's business.
    if (!job || job.owner_id !== user.id) {
      throw new AppError('comfy.job_not_found', `There is no job ${request.prompt_id}`);
    }
    if (!terminalJobStatuses.includes(job.status)) {
      throw new AppError(
        'conflict',
        `Job ${job.prompt_id} is ${job.status}: keep its images once it has finished`,
      );
    }
    return this.ingest.fromJob(user, request, 'private');
  }
}
