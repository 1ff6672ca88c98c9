import { defaultTxt2ImgGraph } from '@atelier/workflow';

import type { ComfyPrompt } from '../src/index.js';

/**
 * The UI's default graph as the real frontend exports it (workflow-to-prompt/01_default_workflow.json,
 * `output`): our default txt2img graph with the frontend's values, the checkpoint and sampler settings as
 * parameters.
 */
export function defaultKSamplerPrompt(options: {
  ckptName: string;
  steps: number;
  seed?: number;
}): ComfyPrompt {
  const prompt = defaultTxt2ImgGraph('ComfyUI');
  Object.assign(prompt['3']!.inputs, {
    seed: options.seed ?? 156680208700286,
    steps: options.steps,
    cfg: 8,
    sampler_name: 'euler',
    scheduler: 'normal',
  });
  prompt['4']!.inputs.ckpt_name = options.ckptName;
  Object.assign(prompt['5']!.inputs, { width: 512, height: 512, batch_size: 1 });
  prompt['6']!.inputs.text = 'beautiful scenery nature glass bottle landscape, , purple galaxy bottle,';
  prompt['7']!.inputs.text = 'text, watermark';
  return prompt;
}

/** ws/run_success.json: EmptyImage → ImageInvert → ImageScale → SaveImage, plus a PreviewImage. */
export function modelFreePrompt(prefix = 'golden'): ComfyPrompt {
  return {
    '3': { class_type: 'EmptyImage', inputs: { width: 128, height: 96, batch_size: 1, color: 3355443 } },
    '4': { class_type: 'ImageInvert', inputs: { image: ['3', 0] } },
    '5': {
      class_type: 'ImageScale',
      inputs: { image: ['4', 0], upscale_method: 'bilinear', width: 64, height: 48, crop: 'disabled' },
    },
    '6': { class_type: 'SaveImage', inputs: { images: ['5', 0], filename_prefix: prefix } },
    '7': { class_type: 'PreviewImage', inputs: { images: ['4', 0] } },
  };
}

/** ws/run_execution_error.json: ImageBlend of an RGB with an RGBA image raises at run time. */
export function failingPrompt(): ComfyPrompt {
  return {
    '10': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: 255 } },
    '11': { class_type: 'SolidMask', inputs: { value: 1.0, width: 64, height: 64 } },
    '12': { class_type: 'JoinImageWithAlpha', inputs: { image: ['10', 0], alpha: ['11', 0] } },
    '13': {
      class_type: 'ImageBlend',
      inputs: { image1: ['10', 0], image2: ['12', 0], blend_factor: 0.5, blend_mode: 'normal' },
    },
    '14': { class_type: 'SaveImage', inputs: { images: ['13', 0], filename_prefix: 'willfail' } },
  };
}

/** http/prompt_post_rejected_missing_required_input.json: SaveImage without `images`. */
export function missingInputPrompt(): ComfyPrompt {
  return {
    '1': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: 0 } },
    '2': { class_type: 'SaveImage', inputs: { filename_prefix: 'x' } },
  };
}

/** http/prompt_post_rejected_unknown_node_class.json. */
export function unknownClassPrompt(): ComfyPrompt {
  return {
    '1': { class_type: 'NoSuchNode', inputs: {} },
    '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } },
  };
}
