import { Injectable } from '@nestjs/common';
import type { ComfyJobEntity } from '../job.entity.js';
import type { DispatchBackend } from './backend-directory.js';

/** Work that must be done on a backend before a job is posted to it (e.g. copying the job's uploaded inputs). */
export type BeforePost = (job: ComfyJobEntity, backend: DispatchBackend) => Promise<void>;

/**
 * Registration instead of imports: comfy-uploads/ puts the job's input files on the chosen backend, and
 * comfy/ (which imports no feature) runs what was registered before each post. A hook that throws stops the
 * post: the error is the post's (e.g. `comfy.unreachable` while copying).
 */
@Injectable()
export class BeforePostHooks {
  private readonly hooks = new Set<BeforePost>();

  /** Returns the unregister function. */
  use(hook: BeforePost): () => void {
    this.hooks.add(hook);
    return () => {
      this.hooks.delete(hook);
    };
  }

  async run(job: ComfyJobEntity, backend: DispatchBackend): Promise<void> {
    for (const hook of [...this.hooks]) await hook(job, backend);
  }
}
