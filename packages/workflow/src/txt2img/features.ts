/**
 * The txt2img add-ons, as edits of the patched graph: LoRA loaders chained after the checkpoint, model patches
 * (Deep Shrink, PAG) in front of the sampler, and the custom-sampling family in place of KSampler for Detail
 * Daemon and split sigmas.
 */
import type { Txt2ImgFeature } from '@atelier/contract';

import { isApiLink, type ApiLink, type ApiPrompt } from '../api-prompt.js';
import type { ObjectInfo } from '../object-info.js';
import { addNode, defaultWidgetInputs, readersOf, relink, socketInputOfType } from './graph-edit.js';

const customSamplingClasses = [
  'SamplerCustomAdvanced',
  'RandomNoise',
  'CFGGuider',
  'KSamplerSelect',
  'BasicScheduler',
];

/** The node classes each add-on needs on the server. */
export const txt2imgFeatureNodeClasses: Record<Txt2ImgFeature | 'loras', readonly string[]> = {
  loras: ['LoraLoader'],
  pag: ['PerturbedAttentionGuidance'],
  deepshrink: ['PatchModelAddDownscale'],
  detail_daemon: ['DetailDaemonSamplerNode', ...customSamplingClasses],
  split_sigmas: ['SplitSigmas', 'DisableNoise', ...customSamplingClasses],
};

export interface LoraSpec {
  name: string;
  weight: number;
}

/** LoraLoader per LoRA, each taking model and clip from the previous; everything that read the checkpoint's model or clip reads the last LoRA. */
export function chainLoras(prompt: ApiPrompt, checkpointId: string, loras: LoraSpec[]): void {
  if (!loras.length) return;
  const modelReaders = readersOf(prompt, [checkpointId, 0]);
  const clipReaders = readersOf(prompt, [checkpointId, 1]);
  let model: ApiLink = [checkpointId, 0];
  let clip: ApiLink = [checkpointId, 1];
  for (const lora of loras) {
    const id = addNode(prompt, 'LoraLoader', {
      lora_name: lora.name,
      strength_model: lora.weight,
      strength_clip: lora.weight,
      model,
      clip,
    });
    model = [id, 0];
    clip = [id, 1];
  }
  relink(prompt, modelReaders, model);
  relink(prompt, clipReaders, clip);
}

/** Puts a MODEL → MODEL patch node between the sampler and the model it was reading. */
export function patchSamplerModel(
  prompt: ApiPrompt,
  objectInfo: ObjectInfo,
  samplerId: string,
  classType: string,
  overrides: Record<string, unknown> = {},
): void {
  const sampler = prompt[samplerId];
  const model = sampler?.inputs.model;
  if (!sampler || !isApiLink(model)) throw new Error(`node ${samplerId} has no model link`);
  const id = addNode(prompt, classType, {
    ...defaultWidgetInputs(objectInfo, classType),
    ...overrides,
    model,
  });
  sampler.inputs.model = [id, 0];
}

/**
 * Replaces a KSampler by RandomNoise + CFGGuider + KSamplerSelect + BasicScheduler + SamplerCustomAdvanced, with
 * the sampler wrapped by Detail Daemon and/or the sigmas split in two stages (the second without new noise).
 */
export function replaceWithCustomSampling(
  prompt: ApiPrompt,
  objectInfo: ObjectInfo,
  samplerId: string,
  options: { detailDaemon: boolean; splitSigmas: boolean },
): void {
  const ksampler = prompt[samplerId];
  if (!ksampler) throw new Error(`node ${samplerId} does not exist`);
  const { seed, steps, cfg, sampler_name, scheduler, denoise, model, positive, negative, latent_image } =
    ksampler.inputs;
  const readers = readersOf(prompt, [samplerId, 0]);
  const noise = addNode(prompt, 'RandomNoise', { noise_seed: seed });
  const guider = addNode(prompt, 'CFGGuider', { cfg, model, positive, negative });
  let sampler: ApiLink = [addNode(prompt, 'KSamplerSelect', { sampler_name }), 0];
  const sigmas = addNode(prompt, 'BasicScheduler', { scheduler, steps, denoise, model });
  if (options.detailDaemon) {
    const samplerInput = socketInputOfType(objectInfo, 'DetailDaemonSamplerNode', 'SAMPLER') ?? 'sampler';
    const inputs = { ...defaultWidgetInputs(objectInfo, 'DetailDaemonSamplerNode'), [samplerInput]: sampler };
    sampler = [addNode(prompt, 'DetailDaemonSamplerNode', inputs), 0];
  }
  let result: ApiLink;
  if (options.splitSigmas) {
    const at = Math.max(1, Math.floor((typeof steps === 'number' ? steps : 2) / 2));
    const split = addNode(prompt, 'SplitSigmas', { step: at, sigmas: [sigmas, 0] });
    const first = addNode(prompt, 'SamplerCustomAdvanced', {
      noise: [noise, 0],
      guider: [guider, 0],
      sampler,
      sigmas: [split, 0],
      latent_image,
    });
    const second = addNode(prompt, 'SamplerCustomAdvanced', {
      noise: [addNode(prompt, 'DisableNoise', {}), 0],
      guider: [guider, 0],
      sampler,
      sigmas: [split, 1],
      latent_image: [first, 0],
    });
    result = [second, 0];
  } else {
    const single = addNode(prompt, 'SamplerCustomAdvanced', {
      noise: [noise, 0],
      guider: [guider, 0],
      sampler,
      sigmas: [sigmas, 0],
      latent_image,
    });
    result = [single, 0];
  }
  relink(prompt, readers, result);
  delete prompt[samplerId];
}
