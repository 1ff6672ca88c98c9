/**
 * The fallback text-to-image graph, from core nodes only (the UI's default graph): CheckpointLoaderSimple →
 * CLIPTextEncode ×2 → EmptyLatentImage → KSampler → VAEDecode → SaveImage. Same node ids as the UI's default.
 */
import { txt2imgDefaults } from '@atelier/contract';

import type { ApiPrompt } from '../api-prompt.js';
import type { ParamSchema } from '../params/apply-params.js';

export function basicTxt2ImgTemplate(filenamePrefix: string): ApiPrompt {
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

const patch = (node: string, input: string) => [{ node, input }];

/** The contract of the fallback graph; the txt2img bounds are checked before it is applied. */
export const basicTxt2ImgContract: ParamSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    caption: { type: 'string', 'x-patch': patch('6', 'text') },
    negative: { type: 'string', 'x-patch': patch('7', 'text') },
    width: { type: 'integer', 'x-patch': patch('5', 'width') },
    height: { type: 'integer', 'x-patch': patch('5', 'height') },
    batch_size: { type: 'integer', 'x-patch': patch('5', 'batch_size') },
    seed: { type: 'integer', 'x-patch': patch('3', 'seed') },
    steps: { type: 'integer', 'x-patch': patch('3', 'steps') },
    cfg: { type: 'number', 'x-patch': patch('3', 'cfg') },
    sampler: { type: 'string', 'x-patch': patch('3', 'sampler_name') },
    scheduler: { type: 'string', 'x-patch': patch('3', 'scheduler') },
    checkpoint: { type: 'string', 'x-patch': patch('4', 'ckpt_name') },
  },
};
