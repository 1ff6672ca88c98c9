import { describe, expect, it } from 'vitest';

import { checkPromptAgainstObjectInfo, createTemplate, type ApiPrompt } from '../src/index.js';
import { build, issuesOf } from './txt2img-kit.js';
import { objectInfoWithModels, withComboOptions } from './golden-pairs.js';

const uploaded = ['atelier-aaaa.png', 'masks/atelier-bbbb.png'];
const isKnownInputImage = (name: string) => uploaded.includes(name);
const info = objectInfoWithModels();
const options = { objectInfo: info, random: () => 0.5, isKnownInputImage };

/** The node that feeds `input` of `nodeId`. */
function origin(prompt: ApiPrompt, nodeId: string, input: string) {
  const link = prompt[nodeId]?.inputs[input];
  if (!Array.isArray(link)) throw new Error(`${nodeId}.${input} is not a link`);
  const id = String(link[0]);
  return { id, slot: link[1] as number, node: prompt[id] };
}

const classes = (prompt: ApiPrompt) => Object.values(prompt).map((node) => node.class_type);

describe('img2img', () => {
  it('encodes the image in place of the empty latent, with a default denoise of 0.75', () => {
    const { prompt, problems } = build({ caption: 'a fox', image: 'atelier-aaaa.png' }, options);
    expect(classes(prompt)).not.toContain('EmptyLatentImage');
    const encode = origin(prompt, '3', 'latent_image');
    expect(encode.node?.class_type).toBe('VAEEncode');
    expect(encode.node?.inputs.vae).toEqual(['4', 2]);
    const load = origin(prompt, encode.id, 'pixels');
    expect(load.node).toEqual({ inputs: { image: 'atelier-aaaa.png' }, class_type: 'LoadImage' });
    expect(prompt['3']?.inputs.denoise).toBe(0.75);
    // LoadImage's name is checked by ComfyUI's own file check, not the combo list: nothing else is off.
    expect(problems).toEqual([]);
  });

  it('scales the image when a size is asked for, and repeats the latent for a batch', () => {
    const { prompt } = build(
      { caption: 'a fox', image: 'atelier-aaaa.png', width: 512, batch_size: 3, denoise: 0.4 },
      options,
    );
    const repeat = origin(prompt, '3', 'latent_image');
    expect(repeat.node?.class_type).toBe('RepeatLatentBatch');
    expect(repeat.node?.inputs.amount).toBe(3);
    const encode = origin(prompt, repeat.id, 'samples');
    const scale = origin(prompt, encode.id, 'pixels');
    expect(scale.node?.inputs).toMatchObject({ width: 512, height: 0, crop: 'disabled' });
    expect(origin(prompt, scale.id, 'image').node?.class_type).toBe('LoadImage');
    expect(prompt['3']?.inputs.denoise).toBe(0.4);
  });

  it('accepts only known input images: by the caller’s rule, else LoadImage’s list', () => {
    const unknown = issuesOf(() => build({ caption: 'x', image: 'someone-else.png' }, options));
    expect(unknown).toEqual([
      expect.objectContaining({
        kind: 'unknown_value',
        param: 'image',
        value: 'someone-else.png',
        allowed: [],
      }),
    ]);
    const listed = withComboOptions(info, { LoadImage: { image: ['example.png'] } });
    expect(() => build({ caption: 'x', image: 'example.png' }, { objectInfo: listed })).not.toThrow();
    const notListed = issuesOf(() => build({ caption: 'x', image: 'other.png' }, { objectInfo: listed }));
    expect(notListed).toEqual([expect.objectContaining({ param: 'image', allowed: ['example.png'] })]);
  });

  it('refuses traversal in names and image-only parameters without an image', () => {
    for (const image of ['../secret.png', '/etc/passwd', 'a\\b.png', 'a/../b.png']) {
      const issues = issuesOf(() => build({ caption: 'x', image }, options));
      expect(issues.map((i) => i.kind === 'invalid_param' && i.param)).toEqual(['image']);
    }
    const issues = issuesOf(() => build({ caption: 'x', mask: 'atelier-aaaa.png', denoise: 0.5 }, options));
    expect(issues.map((i) => i.kind === 'invalid_param' && i.param).sort()).toEqual(['denoise', 'mask']);
    expect(issuesOf(() => build({ caption: 'x', image: 'atelier-aaaa.png', denoise: 1.5 }, options))).toEqual(
      [expect.objectContaining({ kind: 'invalid_param', param: 'denoise' })],
    );
  });

  it('names the node classes a server without VAEEncode lacks', () => {
    const { VAEEncode: _dropped, ...rest } = info;
    const issues = issuesOf(() =>
      build({ caption: 'x', image: 'atelier-aaaa.png' }, { ...options, objectInfo: rest }),
    );
    expect(issues).toEqual([
      expect.objectContaining({ kind: 'missing_node_class', feature: 'image', classType: 'VAEEncode' }),
    ]);
  });

  it('works with the custom-sampling switches, which carry the denoise into the scheduler', () => {
    const { prompt } = build(
      { caption: 'x', image: 'atelier-aaaa.png', denoise: 0.5, split_sigmas: true },
      options,
    );
    const scheduler = Object.values(prompt).find((node) => node.class_type === 'BasicScheduler');
    expect(scheduler?.inputs.denoise).toBe(0.5);
    const latentSources = Object.values(prompt)
      .filter((node) => node.class_type === 'SamplerCustomAdvanced')
      .map((node) => prompt[String((node.inputs.latent_image as [string, number])[0])]?.class_type);
    expect(latentSources.sort()).toEqual(['SamplerCustomAdvanced', 'VAEEncode']);
  });
});

describe('inpainting', () => {
  it('uses a separate mask (red channel) and VAEEncodeForInpaint at denoise 1', () => {
    const { prompt, problems } = build(
      { caption: 'a hat', image: 'atelier-aaaa.png', mask: 'masks/atelier-bbbb.png' },
      options,
    );
    const encode = origin(prompt, '3', 'latent_image');
    expect(encode.node?.class_type).toBe('VAEEncodeForInpaint');
    expect(encode.node?.inputs.grow_mask_by).toBe(6);
    expect(origin(prompt, encode.id, 'pixels').node?.class_type).toBe('LoadImage');
    expect(origin(prompt, encode.id, 'mask').node).toEqual({
      inputs: { image: 'masks/atelier-bbbb.png', channel: 'red' },
      class_type: 'LoadImageMask',
    });
    expect(prompt['3']?.inputs.denoise).toBe(1);
    expect(problems).toEqual([]);
  });

  it('uses the image’s own alpha when the mask is the image, and SetLatentNoiseMask below denoise 1', () => {
    const { prompt } = build(
      { caption: 'a hat', image: 'atelier-aaaa.png', mask: 'atelier-aaaa.png', denoise: 0.6 },
      options,
    );
    const noiseMask = origin(prompt, '3', 'latent_image');
    expect(noiseMask.node?.class_type).toBe('SetLatentNoiseMask');
    const mask = origin(prompt, noiseMask.id, 'mask');
    expect(mask.node?.class_type).toBe('LoadImage');
    expect(mask.slot).toBe(1);
    expect(origin(prompt, noiseMask.id, 'samples').node?.class_type).toBe('VAEEncode');
    expect(classes(prompt)).not.toContain('LoadImageMask');
    expect(prompt['3']?.inputs.denoise).toBe(0.6);
  });

  it('keeps the image size (width/height refused), checks the mask name and the channel', () => {
    const issues = issuesOf(() =>
      build(
        {
          caption: 'x',
          image: 'atelier-aaaa.png',
          mask: 'unknown-mask.png',
          width: 512,
          mask_channel: 'green',
        },
        options,
      ),
    );
    expect(issues).toEqual([expect.objectContaining({ kind: 'invalid_param', param: 'width' })]);
    const unknownMask = issuesOf(() =>
      build({ caption: 'x', image: 'atelier-aaaa.png', mask: 'unknown-mask.png' }, options),
    );
    expect(unknownMask).toEqual([expect.objectContaining({ kind: 'unknown_value', param: 'mask' })]);
    expect(
      issuesOf(() => build({ caption: 'x', mask_channel: 'red' }, options)).map(
        (i) => i.kind === 'invalid_param' && i.param,
      ),
    ).toEqual(['mask_channel']);
  });

  it('produces prompts the recorded server would accept once the files exist', () => {
    const withFiles = withComboOptions(info, {
      LoadImage: { image: uploaded },
      LoadImageMask: { image: uploaded },
    });
    const { prompt } = build(
      { caption: 'x', image: 'atelier-aaaa.png', mask: 'masks/atelier-bbbb.png', mask_channel: 'alpha' },
      { objectInfo: withFiles },
    );
    expect(checkPromptAgainstObjectInfo(prompt, withFiles)).toEqual([]);
    expect(origin(prompt, origin(prompt, '3', 'latent_image').id, 'mask').node?.inputs.channel).toBe('alpha');
  });
});

describe('a preset that cannot take an image', () => {
  it('says why instead of building a wrong graph', () => {
    const template: ApiPrompt = {
      '1': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sd_xl_base_1.0.safetensors' } },
      '2': { class_type: 'CLIPTextEncode', inputs: { text: '', clip: ['1', 1] } },
      '3': { class_type: 'EmptySD3LatentImage', inputs: { width: 1024, height: 1024, batch_size: 1 } },
      '4': {
        class_type: 'KSampler',
        inputs: {
          seed: 0,
          steps: 20,
          cfg: 7,
          sampler_name: 'euler',
          scheduler: 'normal',
          denoise: 1,
          model: ['1', 0],
          positive: ['2', 0],
          negative: ['2', 0],
          latent_image: ['3', 0],
        },
      },
      '5': { class_type: 'VAEDecode', inputs: { samples: ['4', 0], vae: ['1', 2] } },
      '6': { class_type: 'SaveImage', inputs: { images: ['5', 0], filename_prefix: 'x' } },
    };
    const preset = createTemplate({
      name: 'sd3',
      source: 'preset',
      title: 'sd3',
      description: '',
      files: ['sd3.json'],
      prompt: template,
      params: {
        type: 'object' as const,
        additionalProperties: false as const,
        properties: {
          caption: { type: 'string', 'x-patch': [{ node: '2', input: 'text' }] },
          seed: { type: 'integer', 'x-patch': [{ node: '4', input: 'seed' }] },
        },
      },
    });
    const issues = issuesOf(() =>
      build({ caption: 'x', image: 'atelier-aaaa.png' }, { ...options, template: preset }),
    );
    expect(issues).toEqual([
      expect.objectContaining({
        kind: 'unsupported',
        param: 'image',
        message: expect.stringContaining('does not start from an EmptyLatentImage') as unknown,
      }),
    ]);

    // Two samplers (e.g. a refiner stage): which latent to replace is not ours to guess.
    const twoStages: ApiPrompt = {
      ...template,
      '3': { class_type: 'EmptyLatentImage', inputs: { width: 1024, height: 1024, batch_size: 1 } },
      '7': { class_type: 'KSampler', inputs: { ...template['4']?.inputs, latent_image: ['4', 0] } },
      '5': { class_type: 'VAEDecode', inputs: { samples: ['7', 0], vae: ['1', 2] } },
    };
    const twoIssues = issuesOf(() =>
      build(
        { caption: 'x', image: 'atelier-aaaa.png' },
        { ...options, template: { ...preset, prompt: twoStages } },
      ),
    );
    expect(twoIssues).toEqual([
      expect.objectContaining({
        kind: 'unsupported',
        param: 'image',
        message: expect.stringContaining('no single KSampler') as unknown,
      }),
    ]);
  });
});
