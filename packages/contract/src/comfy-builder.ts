/** POST /api/comfy/txt2img: the text-to-image builder's request, response and bounds. */

/** Inclusive numeric bounds of the txt2img parameters (shared by the API's validation and the web form). */
export const txt2imgBounds = {
  width: { min: 64, max: 4096, multipleOf: 8 },
  height: { min: 64, max: 4096, multipleOf: 8 },
  steps: { min: 1, max: 150 },
  cfg: { min: 0.1, max: 20 },
  /** Seeds stay JavaScript-safe integers: [0, 2^53 - 1]. */
  seed: { min: 0, max: Number.MAX_SAFE_INTEGER },
  batch_size: { min: 1, max: 64 },
  loras: { maxItems: 10 },
  lora_weights: { min: -10, max: 10 },
  caption: { minLength: 1, maxLength: 10_000 },
  negative: { maxLength: 10_000 },
  /** KSampler denoise of img2img and inpainting (1 = ignore the source's content). */
  denoise: { min: 0, max: 1 },
  /** An input image name as LoadImage takes it: `<subfolder>/<name>`. */
  image: { maxLength: 500 },
} as const;

/** Values used when the request leaves a parameter out and no preset says otherwise. */
export const txt2imgDefaults = {
  width: 1024,
  height: 1024,
  steps: 20,
  cfg: 7,
  batch_size: 1,
  negative: '',
  lora_weight: 1,
  /** img2img keeps a quarter of the source. */
  img2img_denoise: 0.75,
  /** Inpainting repaints the masked area from scratch (VAEEncodeForInpaint). */
  inpaint_denoise: 1,
} as const;

/** LoadImageMask's channels: which one of the mask image marks the area to repaint. */
export const txt2imgMaskChannels = ['red', 'green', 'blue', 'alpha'] as const;
export type Txt2ImgMaskChannel = (typeof txt2imgMaskChannels)[number];

/** Optional sampling add-ons; each needs node classes the ComfyUI server may lack (then: 422). */
export const txt2imgFeatures = ['pag', 'deepshrink', 'detail_daemon', 'split_sigmas'] as const;
export type Txt2ImgFeature = (typeof txt2imgFeatures)[number];

export interface Txt2ImgParams {
  /** The positive prompt; must not be empty. */
  caption: string;
  negative?: string;
  /** 64–4096, a multiple of 8. */
  width?: number;
  /** 64–4096, a multiple of 8. */
  height?: number;
  /** 1–150. */
  steps?: number;
  /** 0.1–20.0. */
  cfg?: number;
  /** ≥ 0; random when absent (the response returns the one used). */
  seed?: number;
  /** A KSampler `sampler_name` the server offers; default: the preset's, else the server's first. */
  sampler?: string;
  /** A KSampler `scheduler` the server offers. */
  scheduler?: string;
  /** A checkpoint file name as listed by the server (CheckpointLoaderSimple.ckpt_name). */
  checkpoint?: string;
  /** LoRA file names (LoraLoader.lora_name), applied in order. */
  loras?: string[];
  /** One weight per LoRA (same length as `loras`); default 1. */
  lora_weights?: number[];
  /** Perturbed-Attention Guidance (core node PerturbedAttentionGuidance). */
  pag?: boolean;
  /** Kohya Deep Shrink (core node PatchModelAddDownscale). */
  deepshrink?: boolean;
  /** Detail Daemon sampler (custom node DetailDaemonSamplerNode). */
  detail_daemon?: boolean;
  /** Two-stage sampling over split sigmas (SplitSigmas + SamplerCustomAdvanced family). */
  split_sigmas?: boolean;
  /** Images per run; 1–64. */
  batch_size?: number;
  /** Name of a preset in config/comfy/presets; the built-in basic graph when absent. */
  preset?: string;
  /**
   * img2img: an uploaded input image (`image` of POST /api/comfy/upload) encoded in place of the empty latent.
   * The output takes its size unless `width`/`height` are given (then it is scaled first).
   */
  image?: string;
  /**
   * Inpainting (needs `image`): an uploaded mask image. The same name as `image` uses the image's own alpha
   * (transparent pixels are repainted).
   */
  mask?: string;
  /** Which channel of `mask` marks the area to repaint: `red` (white = repaint) by default, `alpha` when the mask is the image itself. */
  mask_channel?: Txt2ImgMaskChannel;
  /** 0–1, needs `image`. Default 0.75 for img2img, 1 for inpainting (below 1 the masked latent is re-noised instead). */
  denoise?: number;
}

/**
 * Parameters a preset's contract can take by name (`caption` always). A preset that lacks one refuses
 * it (422); the web leaves such fields out of the request.
 */
export const txt2imgPresetKnobs = [
  'caption',
  'negative',
  'width',
  'height',
  'batch_size',
  'steps',
  'cfg',
  'seed',
  'sampler',
  'scheduler',
  'checkpoint',
] as const satisfies readonly (keyof Txt2ImgParams)[];

export type Txt2ImgRequest = Txt2ImgParams;

export interface Txt2ImgResponse {
  prompt_id: string;
  client_id: string;
  /** The seed actually used (the one drawn when the request had none). */
  seed: number;
  /** The API-format prompt that was queued. */
  workflow: Record<string, unknown>;
}
