import type { AuthUser } from '@atelier/contract';
import type { Provider } from '@nestjs/common';
import { COMFY_INPUT_IMAGES, type ComfyInputImages } from '../comfy/input-images.port.js';
import { loadImageValue, parseLoadImageValue } from './upload-views.js';
import { UploadsRepository } from './uploads.repository.js';

/** txt2img's `image` / `mask` must name a file this user uploaded that was not deleted since. */
class UploadedInputImages implements ComfyInputImages {
  constructor(private readonly uploads: UploadsRepository) {}

  async knownTo(user: AuthUser, names: readonly string[]): Promise<(name: string) => boolean> {
    const live = await this.uploads.findLive(user.id, names.map(parseLoadImageValue));
    const known = new Set(live.map(loadImageValue));
    return (name) => known.has(name);
  }
}

export const inputImagesProvider: Provider = {
  provide: COMFY_INPUT_IMAGES,
  inject: [UploadsRepository],
  useFactory: (uploads: UploadsRepository) => new UploadedInputImages(uploads),
};
