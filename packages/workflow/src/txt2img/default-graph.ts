/**
 * The built-in text-to-image template: the UI's default graph from core nodes only (CheckpointLoaderSimple →
 * CLIPTextEncode ×2 → EmptyLatentImage → KSampler → VAEDecode → SaveImage, same node ids), with the txt2img
 * knobs as its contract.
 */
import { txt2imgDefaults, txt2imgParamsSchema, txt2imgPresetKnobs } from '@atelier/contract';

import type { ApiPrompt } from '../api-prompt.js';
import { createTemplate, type Template } from '../library/template.js';
import type { ParamProperty, ParamSchema, PatchTarget } from '../params/apply-params.js';

/**
 * The default txt2img graph. Checkpoint, sampler and scheduler are left empty: the builder fills them with what
 * the server offers (tests and fixtures patch them through `builtinTxt2ImgTemplate.params`).
 */
export function defaultTxt2ImgGraph(filenamePrefix = 'atelier/txt2img'): ApiPrompt {
  return {
    '3': {
      inputs: {
        seed: 0,
        steps: txt2imgDefaults.steps,
        cfg: txt2imgDefaults.cfg,
        sampler_name: '',
        scheduler: '',
        denoise: 1,
        model: ['4', 0],
        positive: ['6', 0],
        negative: ['7', 0],
        latent_image: ['5', 0],
      },
      class_type: 'KSampler',
    },
    '4': { inputs: { ckpt_name: '' }, class_type: 'CheckpointLoaderSimple' },
    '5': {
      inputs: {
        width: txt2imgDefaults.width,
        height: txt2imgDefaults.height,
        batch_size: txt2imgDefaults.batch_size,
      },
      class_type: 'EmptyLatentImage',
    },
    '6': { inputs: { text: '', clip: ['4', 1] }, class_type: 'CLIPTextEncode' },
    '7': { inputs: { text: txt2imgDefaults.negative, clip: ['4', 1] }, class_type: 'CLIPTextEncode' },
    '8': { inputs: { samples: ['3', 0], vae: ['4', 2] }, class_type: 'VAEDecode' },
    '9': { inputs: { filename_prefix: filenamePrefix, images: ['8', 0] }, class_type: 'SaveImage' },
  };
}

/** The inputs each txt2img knob sets in the default graph. */
const targets: Record<(typeof txt2imgPresetKnobs)[number], PatchTarget> = {
  caption: { node: '6', input: 'text' },
  negative: { node: '7', input: 'text' },
  width: { node: '5', input: 'width' },
  height: { node: '5', input: 'height' },
  batch_size: { node: '5', input: 'batch_size' },
  seed: { node: '3', input: 'seed' },
  steps: { node: '3', input: 'steps' },
  cfg: { node: '3', input: 'cfg' },
  sampler: { node: '3', input: 'sampler_name' },
  scheduler: { node: '3', input: 'scheduler' },
  checkpoint: { node: '4', input: 'ckpt_name' },
};

// The knobs' bounds and descriptions are the txt2img schema's own, so the two cannot drift apart.
const contract: ParamSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['caption'],
  properties: Object.fromEntries(
    txt2imgPresetKnobs.map((knob): [string, ParamProperty] => [
      knob,
      { ...txt2imgParamsSchema.properties[knob], 'x-patch': [targets[knob]] },
    ]),
  ),
};

/** The template POST /api/comfy/txt2img builds from when the request names no preset. */
export const builtinTxt2ImgTemplate: Template = createTemplate({
  name: 'txt2img',
  source: 'builtin',
  title: 'Text to image',
  description: 'The core graph: checkpoint, prompts, empty latent, KSampler, VAE decode, save.',
  prompt: defaultTxt2ImgGraph(),
  params: contract,
  files: [],
});
