/** Round trips: what the txt2img builder is asked for comes back out of the graph walk of what it built. */
import { describe, expect, it } from 'vitest';

import { paramsFromApiPrompt, type ObjectInfo } from '../src/index.js';
import { fakeCheckpoints, fakeLoras, objectInfoWithModels } from './golden-pairs.js';
import { build } from './txt2img-kit.js';

const info = objectInfoWithModels();
const [sdxl = '', sd15 = ''] = fakeCheckpoints;
const [detail = '', grain = ''] = fakeLoras;
const uploaded = 'atelier-aaaa.png';
const options = {
  objectInfo: info,
  random: () => 0.25,
  isKnownInputImage: (name: string) => name === uploaded,
};

const request = {
  caption: 'a red lighthouse on a cliff',
  negative: 'blurry, lowres',
  checkpoint: sd15,
  sampler: 'dpmpp_2m',
  scheduler: 'karras',
  steps: 28,
  cfg: 6.5,
  seed: 123456789,
  width: 768,
  height: 512,
};

const expected = {
  positive: request.caption,
  negative: request.negative,
  checkpoint: request.checkpoint,
  loras: [],
  sampler: request.sampler,
  scheduler: request.scheduler,
  steps: request.steps,
  cfg: request.cfg,
  seed: request.seed,
  denoise: 1,
  width: request.width,
  height: request.height,
};

/** DetailDaemonSamplerNode, reduced to what the builder reads (its SAMPLER input and a widget default). */
function withDetailDaemon(objectInfo: ObjectInfo): ObjectInfo {
  return {
    ...objectInfo,
    DetailDaemonSamplerNode: {
      input: { required: { sampler: ['SAMPLER'], detail_amount: ['FLOAT', { default: 0.1 }] } },
      output: ['SAMPLER'],
      output_name: ['sampler'],
      name: 'DetailDaemonSamplerNode',
      display_name: 'Detail Daemon Sampler',
    },
  };
}

describe('paramsFromApiPrompt on graphs built by buildTxt2ImgPrompt', () => {
  it('gives back every parameter of the basic graph', () => {
    expect(paramsFromApiPrompt(build(request, options).prompt)).toEqual(expected);
  });

  it('gives back the drawn seed and the names the builder chose', () => {
    const { prompt, seed } = build({ caption: 'a fox' }, options);
    expect(paramsFromApiPrompt(prompt)).toMatchObject({
      positive: 'a fox',
      seed,
      checkpoint: sdxl,
      sampler: 'euler',
    });
  });

  it('gives back LoRAs with their weights, in the order they are chained', () => {
    const loras = { loras: [grain, detail], lora_weights: [0.35, -0.5] };
    const { prompt } = build({ ...request, ...loras }, options);
    expect(paramsFromApiPrompt(prompt)).toEqual({
      ...expected,
      loras: [
        { name: grain, weight: 0.35 },
        { name: detail, weight: -0.5 },
      ],
    });
  });

  it('sees through the Deep Shrink and PAG model patches', () => {
    const { prompt } = build({ ...request, loras: [detail], pag: true, deepshrink: true }, options);
    const classes = Object.values(prompt).map((node) => node.class_type);
    expect(classes).toEqual(expect.arrayContaining(['PerturbedAttentionGuidance', 'PatchModelAddDownscale']));
    expect(paramsFromApiPrompt(prompt)).toEqual({ ...expected, loras: [{ name: detail, weight: 1 }] });
  });

  it('reads the custom-sampling graph of split sigmas from its first stage', () => {
    const { prompt } = build({ ...request, split_sigmas: true }, options);
    expect(Object.values(prompt).some((node) => node.class_type === 'KSampler')).toBe(false);
    expect(paramsFromApiPrompt(prompt)).toEqual(expected);
  });

  it('reads the sampler name through the Detail Daemon wrapper', () => {
    const { prompt } = build(
      { ...request, detail_daemon: true, pag: true },
      { ...options, objectInfo: withDetailDaemon(info) },
    );
    expect(Object.values(prompt).some((node) => node.class_type === 'DetailDaemonSamplerNode')).toBe(true);
    expect(paramsFromApiPrompt(prompt)).toEqual(expected);
  });

  it('img2img: the denoise comes back, the size is unknown (the latent is an encoded image)', () => {
    const { width: _w, height: _h, ...rest } = request;
    const { prompt } = build({ ...rest, image: uploaded, denoise: 0.55, width: 640 }, options);
    expect(paramsFromApiPrompt(prompt)).toEqual({ ...expected, denoise: 0.55, width: null, height: null });
  });

  it('inpainting with a partial denoise reads through SetLatentNoiseMask', () => {
    const { width: _w, height: _h, ...rest } = request;
    const { prompt } = build({ ...rest, image: uploaded, mask: uploaded, denoise: 0.8 }, options);
    expect(paramsFromApiPrompt(prompt)).toEqual({ ...expected, denoise: 0.8, width: null, height: null });
  });
});
