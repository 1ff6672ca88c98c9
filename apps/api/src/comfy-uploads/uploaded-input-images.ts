import { roleAtLeast, type AuthUser } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { loadImageValue, parseLoadImageValue } from './upload-views.js';
import { UploadsRepository } from './uploads.repository.js';

/**
 * Which of our uploaded input images a user may name in a run (txt2img's `image` / `mask`, a LoadImage input of
 * any graph): files they uploaded that were not deleted since; curators and admins, anyone's (they see every job).
 */
@Injectable()
export class UploadedInputImages {
  constructor(private readonly uploads: UploadsRepository) {}

  /** Looks `names` up once and answers a synchronous predicate for the builder. */
  async knownTo(user: AuthUser, names: readonly string[]): Promise<(name: string) => boolean> {
    const files = names.map(parseLoadImageValue);
    const live = roleAtLeast(user.role, 'curator')
      ? await this.uploads.findLiveOfAnyone(files)
      : await this.uploads.findLive(user.id, files);
    const known = new Set(live.map(loadImageValue));
    return (name) => known.has(name);
  }
}
