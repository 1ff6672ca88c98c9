import type { AuthUser } from '@atelier/contract';
import { Injectable } from '@nestjs/common';
import { loadImageValue, parseLoadImageValue } from './upload-views.js';
import { UploadsRepository } from './uploads.repository.js';

/** Which input images a user may name in txt2img's `image` / `mask`: files they uploaded that were not deleted since. */
@Injectable()
export class UploadedInputImages {
  constructor(private readonly uploads: UploadsRepository) {}

  /** Looks `names` up once and answers a synchronous predicate for the builder. */
  async knownTo(user: AuthUser, names: readonly string[]): Promise<(name: string) => boolean> {
    const live = await this.uploads.findLive(user.id, names.map(parseLoadImageValue));
    const known = new Set(live.map(loadImageValue));
    return (name) => known.has(name);
  }
}
