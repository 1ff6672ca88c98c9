import { roleAtLeast, type AuthUser, type ComfyImageRef } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { ComfyPool } from './backends/comfy-pool.js';
import { ImageOwnersRepository } from './image-owners.repository.js';
import { JobTracker } from './job-tracker.js';
import { noSuchImage } from './view-upstream.js';

/**
 * Which ComfyUI images a user may see through GET /view: the outputs of their jobs (output or temp) and the
 * inputs they uploaded; curators and admins see every image, as they see every job. Anything else is answered
 * exactly as a file ComfyUI does not have, so sequential output names cannot be walked to learn what others made.
 */
@Injectable()
export class ImageAccess {
  constructor(
    private readonly owners: ImageOwnersRepository,
    private readonly tracker: JobTracker,
    private readonly pool: ComfyPool,
  ) {}

  /** One primary-key probe (a constant statement, prepared once on SQLite): /view runs it on every image. */
  async assertMaySee(user: AuthUser, ref: ComfyImageRef): Promise<void> {
    if (!(await this.maySee(user, ref))) throw noSuchImage();
  }

  /** Lets a user see images that are theirs outside a job (uploads/: the input images they send). */
  grant(ownerId: number, refs: readonly ComfyImageRef[]): Promise<void> {
    return this.owners.record(ownerId, refs, this.pool.defaultId());
  }

  async maySee(user: AuthUser, ref: ComfyImageRef): Promise<boolean> {
    if (roleAtLeast(user.role, 'curator')) return true;
    // Uploaded inputs are named after their bytes and copied to any backend: their grant is the default's.
    const backendId = ref.type === 'input' ? this.pool.defaultId() : (ref.backend ?? this.pool.defaultId());
    if (await this.owners.owns(user.id, ref, backendId)) return true;
    // A job that just finished: its stream may announce the images before the ledger write lands.
    return this.tracker.hasImageOf(user.id, ref);
  }
}
