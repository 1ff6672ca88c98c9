/**
 * What a ComfyUI graph can tell about how an image was made: the fields of the contract's `ImageParams`
 * other than the template, the backend and the source, which the caller knows from elsewhere.
 */
import type { ImageLora, ImageParams } from '@atelier/contract';

/** One LoRA as it was applied: its file name and model strength. */
export type GraphLora = ImageLora;

/**
 * The graph-derived part of `ImageParams`; null means the graph does not say (no sampler found, a value wired
 * from another node, an image-to-image latent).
 */
export type GraphParams = Omit<
  ImageParams,
  'template_id' | 'template_version' | 'backend' | 'backend_version' | 'source'
>;

export function emptyGraphParams(): GraphParams {
  return {
    positive: null,
    negative: null,
    checkpoint: null,
    loras: [],
    sampler: null,
    scheduler: null,
    steps: null,
    cfg: null,
    seed: null,
    denoise: null,
    width: null,
    height: null,
  };
}
