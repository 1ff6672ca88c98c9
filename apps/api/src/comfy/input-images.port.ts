import type { AuthUser } from '@atelier/contract';

/**
 * Which input images a user may name in txt2img's `image` / `mask` (img2img, inpainting). Bound by
 * comfy-uploads/ (a @Global module exporting COMFY_INPUT_IMAGES): "files this user uploaded and that are
 * still there". Without a binding the builder falls back to LoadImage's list in object_info.
 */
export interface ComfyInputImages {
  /** Looks `names` up once and answers a synchronous predicate for the builder. */
  knownTo(user: AuthUser, names: readonly string[]): Promise<(name: string) => boolean>;
}

export const COMFY_INPUT_IMAGES = Symbol('COMFY_INPUT_IMAGES');
