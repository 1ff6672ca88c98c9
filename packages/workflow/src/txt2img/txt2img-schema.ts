/** JSON Schema of the txt2img parameters, built from the bounds the contract package shares with the web app. */
import { txt2imgBounds as bounds, txt2imgMaskChannels } from '@atelier/contract';

const name = { type: 'string', minLength: 1, maxLength: 512 } as const;
const side = (b: typeof bounds.width) =>
  ({ type: 'integer', minimum: b.min, maximum: b.max, multipleOf: b.multipleOf }) as const;

const inputImagePattern = '^(?!/)(?!.*\\.\\.)[^\\\\\\u0000-\\u001f]+$';

export const txt2imgParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['caption'],
  properties: {
    // "\\S": a caption of spaces only is as empty as no caption.
    caption: { type: 'string', ...bounds.caption, pattern: '\\S' },
    negative: { type: 'string', ...bounds.negative },
    width: side(bounds.width),
    height: side(bounds.height),
    steps: { type: 'integer', minimum: bounds.steps.min, maximum: bounds.steps.max },
    cfg: { type: 'number', minimum: bounds.cfg.min, maximum: bounds.cfg.max },
    seed: { type: 'integer', minimum: bounds.seed.min, maximum: bounds.seed.max },
    sampler: name,
    scheduler: name,
    checkpoint: name,
    loras: { type: 'array', items: name, maxItems: bounds.loras.maxItems },
    lora_weights: {
      type: 'array',
      items: { type: 'number', minimum: bounds.lora_weights.min, maximum: bounds.lora_weights.max },
      maxItems: bounds.loras.maxItems,
    },
    pag: { type: 'boolean' },
    deepshrink: { type: 'boolean' },
    detail_daemon: { type: 'boolean' },
    split_sigmas: { type: 'boolean' },
    batch_size: { type: 'integer', minimum: bounds.batch_size.min, maximum: bounds.batch_size.max },
    preset: name,
    // Input names as LoadImage takes them: relative, no "..", no backslash or control characters.
    image: { type: 'string', minLength: 1, ...bounds.image, pattern: inputImagePattern },
    mask: { type: 'string', minLength: 1, ...bounds.image, pattern: inputImagePattern },
    mask_channel: { enum: txt2imgMaskChannels },
    denoise: { type: 'number', minimum: bounds.denoise.min, maximum: bounds.denoise.max },
  },
} as const;
