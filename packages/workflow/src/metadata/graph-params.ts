/**
 * What a ComfyUI graph can tell about how an image was made: the fields of the contract's `ImageParams`
 * other than the template, the backend and the source, which the caller knows from elsewhere.
 */

/** One LoRA as it was applied: its file name and model strength (the contract's `ImageLora`). */
export interface GraphLora {
  name: string;
  weight: number;
}

/**
 * The graph-derived part of `ImageParams` (packages/contract/src/gallery-search.ts), field for field; null means
 * the graph does not say (no sampler found, a value wired from another node, an image-to-image latent).
 */
export interface GraphParams {
  positive: string | null;
  negative: string | null;
  checkpoint: string | null;
  loras: GraphLora[];
  sampler: string | null;
  scheduler: string | null;
  steps: number | null;
  cfg: number | null;
  seed: number | null;
  denoise: number | null;
  width: number | null;
  height: number | null;
}

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
