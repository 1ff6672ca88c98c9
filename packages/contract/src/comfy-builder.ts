/** POST /api/comfy/txt2img: the text-to-image builder's request schema, response and bounds. */
import type { FromObjectSchema } from './json-schema-type.js';

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

/** Template (preset) names: they double as identifiers in URLs and requests. */
export const templateNamePattern = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$';

const b = txt2imgBounds;
const side = (bounds: typeof b.width, description: string) =>
  ({
    type: 'integer',
    minimum: bounds.min,
    maximum: bounds.max,
    multipleOf: bounds.multipleOf,
    description,
  }) as const;
const name = (description: string) =>
  ({ type: 'string', minLength: 1, maxLength: 512, description }) as const;
const switchOn = (description: string) => ({ type: 'boolean', description }) as const;
// Input names as LoadImage takes them: relative, no "..", no backslash or control characters.
const inputImage = (description: string) =>
  ({
    type: 'string',
    minLength: 1,
    ...b.image,
    pattern: '^(?!/)(?!.*\\.\\.)[^\\\\\\u0000-\\u001f]+$',
    description,
  }) as const;

/**
 * The txt2img parameters as JSON Schema: the one description from which the request type (`Txt2ImgParams`),
 * the API's validation and the built-in graph's parameter contract all come. Rules across fields (one weight per
 * LoRA, image-only parameters) are checked in code next to it (`parseTxt2ImgParams` in `@atelier/workflow`).
 */
export const txt2imgParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['caption'],
  properties: {
    // "\\S": a caption of spaces only is as empty as no caption.
    caption: {
      type: 'string',
      ...b.caption,
      pattern: '\\S',
      description: 'The positive prompt; must not be empty.',
    },
    negative: { type: 'string', ...b.negative, description: 'The negative prompt.' },
    width: side(b.width, 'Image width in pixels, a multiple of 8.'),
    height: side(b.height, 'Image height in pixels, a multiple of 8.'),
    steps: { type: 'integer', minimum: b.steps.min, maximum: b.steps.max, description: 'Sampler steps.' },
    cfg: {
      type: 'number',
      minimum: b.cfg.min,
      maximum: b.cfg.max,
      description: 'Classifier-free guidance scale.',
    },
    seed: {
      type: 'integer',
      minimum: b.seed.min,
      maximum: b.seed.max,
      description: 'Random when absent (the response returns the one used).',
    },
    sampler: name(
      "A KSampler `sampler_name` the server offers; default: the preset's, else the server's first.",
    ),
    scheduler: name('A KSampler `scheduler` the server offers.'),
    checkpoint: name('A checkpoint file name as listed by the server (CheckpointLoaderSimple.ckpt_name).'),
    loras: {
      type: 'array',
      items: name('A LoRA file name (LoraLoader.lora_name).'),
      maxItems: b.loras.maxItems,
      description: 'LoRAs, applied in order.',
    },
    lora_weights: {
      type: 'array',
      items: { type: 'number', minimum: b.lora_weights.min, maximum: b.lora_weights.max },
      maxItems: b.loras.maxItems,
      description: 'One weight per LoRA (as many as `loras`); default 1.',
    },
    pag: switchOn('Perturbed-Attention Guidance (core node PerturbedAttentionGuidance).'),
    deepshrink: switchOn('Kohya Deep Shrink (core node PatchModelAddDownscale).'),
    detail_daemon: switchOn('Detail Daemon sampler (custom node DetailDaemonSamplerNode).'),
    split_sigmas: switchOn(
      'Two-stage sampling over split sigmas (SplitSigmas + SamplerCustomAdvanced family).',
    ),
    batch_size: {
      type: 'integer',
      minimum: b.batch_size.min,
      maximum: b.batch_size.max,
      description: 'Images per run.',
    },
    preset: {
      type: 'string',
      pattern: templateNamePattern,
      description: 'Name of a preset in config/comfy/presets; the built-in graph when absent.',
    },
    image: inputImage(
      'img2img: an uploaded input image (`image` of POST /api/comfy/upload) encoded in place of the empty latent. ' +
        'The output takes its size unless `width`/`height` are given (then it is scaled first).',
    ),
    mask: inputImage(
      'Inpainting (needs `image`): an uploaded mask image. The same name as `image` uses the image’s own alpha ' +
        '(transparent pixels are repainted).',
    ),
    mask_channel: {
      enum: txt2imgMaskChannels,
      description:
        'Which channel of `mask` marks the area to repaint: `red` (white = repaint) by default, `alpha` when the mask is the image itself.',
    },
    denoise: {
      type: 'number',
      minimum: b.denoise.min,
      maximum: b.denoise.max,
      description:
        'Needs `image`. Default 0.75 for img2img, 1 for inpainting (below 1 the masked latent is re-noised instead).',
    },
  },
} as const;

/** POST /api/comfy/txt2img's body, as `txt2imgParamsSchema` describes it. */
export type Txt2ImgParams = FromObjectSchema<typeof txt2imgParamsSchema>;

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
