import { resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import {
  builtinTxt2ImgTemplate,
  checkPromptAgainstObjectInfo,
  defaultTxt2ImgGraph,
  loadTemplateLibrary,
  templatesFrom,
  type ObjectInfo,
  Txt2ImgBuildError,
  type Template,
} from '../src/index.js';
import {
  fakeCheckpoints,
  fakeLoras,
  objectInfoWithModels,
  recordedObjectInfo,
  withComboOptions,
} from './golden-pairs.js';
import { build, issuesOf } from './txt2img-kit.js';

const info = objectInfoWithModels();
const half = () => 0.5;

/** DetailDaemonSamplerNode as the ComfyUI-Detail-Daemon custom node declares it. */
function withDetailDaemon(objectInfo: ObjectInfo): ObjectInfo {
  const float = (value: number, min: number, max: number) => [
    'FLOAT',
    { default: value, min, max, step: 0.01 },
  ];
  return {
    ...objectInfo,
    DetailDaemonSamplerNode: {
      input: {
        required: {
          sampler: ['SAMPLER'],
          detail_amount: float(0.1, -5, 5),
          start: float(0.2, 0, 1),
          end: float(0.8, 0, 1),
          bias: float(0.5, 0, 1),
          exponent: float(1, 0, 10),
          start_offset: float(0, -1, 1),
          end_offset: float(0, -1, 1),
          fade: float(0, 0, 1),
          smooth: ['BOOLEAN', { default: true }],
          cfg_scale_override: float(0, 0, 100),
        },
      },
      output: ['SAMPLER'],
      output_name: ['sampler'],
      name: 'DetailDaemonSamplerNode',
      display_name: 'Detail Daemon Sampler',
    },
  };
}

describe('buildTxt2ImgPrompt with the basic graph', () => {
  it('builds the core graph, with defaults from object_info and a drawn seed', () => {
    const { prompt, seed, problems } = build({ caption: 'a red fox' }, { objectInfo: info, random: half });
    expect(seed).toBe(2 ** 52);
    expect(JSON.stringify(prompt)).toBe(
      JSON.stringify({
        '3': {
          inputs: {
            seed: 2 ** 52,
            steps: 20,
            cfg: 7,
            sampler_name: 'euler',
            scheduler: 'normal',
            denoise: 1,
            model: ['4', 0],
            positive: ['6', 0],
            negative: ['7', 0],
            latent_image: ['5', 0],
          },
          class_type: 'KSampler',
        },
        '4': { inputs: { ckpt_name: fakeCheckpoints[0] }, class_type: 'CheckpointLoaderSimple' },
        '5': { inputs: { width: 1024, height: 1024, batch_size: 1 }, class_type: 'EmptyLatentImage' },
        '6': { inputs: { text: 'a red fox', clip: ['4', 1] }, class_type: 'CLIPTextEncode' },
        '7': { inputs: { text: '', clip: ['4', 1] }, class_type: 'CLIPTextEncode' },
        '8': { inputs: { samples: ['3', 0], vae: ['4', 2] }, class_type: 'VAEDecode' },
        '9': { inputs: { filename_prefix: 'atelier/txt2img', images: ['8', 0] }, class_type: 'SaveImage' },
      }),
    );
    expect(problems).toEqual([]);
  });

  it('applies every parameter and keeps a given seed', () => {
    const { prompt, seed } = build(
      {
        caption: 'a lighthouse',
        negative: 'fog',
        width: 640,
        height: 448,
        steps: 12,
        cfg: 4.5,
        seed: 42,
        sampler: 'dpmpp_2m',
        scheduler: 'karras',
        checkpoint: fakeCheckpoints[1],
        batch_size: 3,
      },
      { objectInfo: info, template: { ...builtinTxt2ImgTemplate, prompt: defaultTxt2ImgGraph('jobs/7') } },
    );
    expect(seed).toBe(42);
    expect(prompt['3']?.inputs).toMatchObject({
      seed: 42,
      steps: 12,
      cfg: 4.5,
      sampler_name: 'dpmpp_2m',
      scheduler: 'karras',
    });
    expect(prompt['4']?.inputs.ckpt_name).toBe(fakeCheckpoints[1]);
    expect(prompt['5']?.inputs).toEqual({ width: 640, height: 448, batch_size: 3 });
    expect(prompt['7']?.inputs.text).toBe('fog');
    expect(prompt['9']?.inputs.filename_prefix).toBe('jobs/7');
  });

  it('names checkpoints, samplers and schedulers the server does not offer, with the allowed values', () => {
    const issues = issuesOf(() =>
      build(
        { caption: 'x', checkpoint: 'gone.ckpt', sampler: 'magic', scheduler: 'karras' },
        { objectInfo: info },
      ),
    );
    expect(issues).toEqual([
      expect.objectContaining({
        kind: 'unknown_value',
        param: 'checkpoint',
        value: 'gone.ckpt',
        allowed: fakeCheckpoints,
      }),
      expect.objectContaining({
        kind: 'unknown_value',
        param: 'sampler',
        value: 'magic',
        allowed: expect.arrayContaining(['euler']) as unknown,
      }),
    ]);
  });

  it('says so when the server has no checkpoint at all', () => {
    expect(issuesOf(() => build({ caption: 'x' }, { objectInfo: recordedObjectInfo() }))).toEqual([
      {
        kind: 'unknown_value',
        param: 'checkpoint',
        value: null,
        allowed: [],
        message: 'the server offers no checkpoint',
      },
    ]);
  });

  it('refuses parameters out of bounds, unknown ones and mismatched LoRA weights', () => {
    const issues = issuesOf(() =>
      build(
        { caption: '  ', width: 100, steps: 0, cfg: 25, seed: -1, colour: 'red' },
        {
          objectInfo: info,
        },
      ),
    );
    expect(issues.map((i) => (i.kind === 'invalid_param' ? i.param : i.kind)).sort()).toEqual(
      ['caption', 'cfg', 'colour', 'seed', 'steps', 'width'].sort(),
    );
    expect(issues.find((i) => i.kind === 'invalid_param' && i.param === 'caption')?.message).toBe(
      'caption must not be empty',
    );
    expect(
      issuesOf(() =>
        build({ caption: 'x', loras: [fakeLoras[0] ?? ''], lora_weights: [1, 2] }, { objectInfo: info }),
      ),
    ).toEqual([
      { kind: 'invalid_param', param: 'lora_weights', message: 'lora_weights must have one weight per LoRA' },
    ]);
  });
});

describe('LoRAs', () => {
  it('chains one LoraLoader per LoRA between the checkpoint and everything that read its model and clip', () => {
    const { prompt, problems } = build(
      { caption: 'x', seed: 1, loras: [...fakeLoras], lora_weights: [0.5, -1] },
      { objectInfo: info },
    );
    expect(prompt['10']).toEqual({
      inputs: {
        lora_name: fakeLoras[0],
        strength_model: 0.5,
        strength_clip: 0.5,
        model: ['4', 0],
        clip: ['4', 1],
      },
      class_type: 'LoraLoader',
    });
    expect(prompt['11']).toEqual({
      inputs: {
        lora_name: fakeLoras[1],
        strength_model: -1,
        strength_clip: -1,
        model: ['10', 0],
        clip: ['10', 1],
      },
      class_type: 'LoraLoader',
    });
    expect(prompt['3']?.inputs.model).toEqual(['11', 0]);
    expect(prompt['6']?.inputs.clip).toEqual(['11', 1]);
    expect(prompt['7']?.inputs.clip).toEqual(['11', 1]);
    expect(prompt['8']?.inputs.vae).toEqual(['4', 2]);
    expect(problems).toEqual([]);
  });

  it('weights default to 1; unknown LoRAs are named', () => {
    const { prompt } = build({ caption: 'x', loras: [fakeLoras[1] ?? ''] }, { objectInfo: info });
    expect(prompt['10']?.inputs).toMatchObject({ strength_model: 1, strength_clip: 1 });
    expect(
      issuesOf(() => build({ caption: 'x', loras: ['nope.safetensors'] }, { objectInfo: info })),
    ).toEqual([
      expect.objectContaining({
        kind: 'unknown_value',
        param: 'loras',
        value: 'nope.safetensors',
        allowed: fakeLoras,
      }),
    ]);
  });
});

describe('advanced switches', () => {
  it('name the node classes the server lacks', () => {
    const noPag = structuredClone(info);
    delete noPag.PerturbedAttentionGuidance;
    let caught: unknown;
    try {
      build({ caption: 'x', pag: true, detail_daemon: true }, { objectInfo: noPag });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Txt2ImgBuildError);
    const error = caught as Txt2ImgBuildError;
    expect(error.missingNodeClasses).toEqual(['PerturbedAttentionGuidance', 'DetailDaemonSamplerNode']);
    expect(error.issues).toContainEqual(
      expect.objectContaining({
        kind: 'missing_node_class',
        feature: 'detail_daemon',
        classType: 'DetailDaemonSamplerNode',
      }),
    );
  });

  it('put Deep Shrink and PAG in front of the sampler model', () => {
    const { prompt, problems } = build({ caption: 'x', deepshrink: true, pag: true }, { objectInfo: info });
    expect(prompt['10']).toEqual({
      inputs: {
        block_number: 3,
        downscale_factor: 2,
        start_percent: 0,
        end_percent: 0.35,
        downscale_after_skip: true,
        downscale_method: 'bicubic',
        upscale_method: 'bicubic',
        model: ['4', 0],
      },
      class_type: 'PatchModelAddDownscale',
    });
    expect(prompt['11']).toEqual({
      inputs: { scale: 3, model: ['10', 0] },
      class_type: 'PerturbedAttentionGuidance',
    });
    expect(prompt['3']?.inputs.model).toEqual(['11', 0]);
    expect(problems).toEqual([]);
  });

  it('split sigmas: two SamplerCustomAdvanced stages replace the KSampler', () => {
    const { prompt, problems } = build(
      { caption: 'x', seed: 9, steps: 20, cfg: 5, split_sigmas: true },
      { objectInfo: info },
    );
    expect(prompt['3']).toBeUndefined();
    const byClass = (type: string) => Object.entries(prompt).filter(([, node]) => node.class_type === type);
    const only = (type: string): [string, Record<string, unknown>] => {
      const [found, ...more] = byClass(type);
      if (!found || more.length) throw new Error(`expected one ${type}`);
      return [found[0], found[1].inputs];
    };
    const [noiseId, noise] = only('RandomNoise');
    expect(noise).toEqual({ noise_seed: 9 });
    const [splitId, split] = only('SplitSigmas');
    expect(split.step).toBe(10);
    const stages = byClass('SamplerCustomAdvanced');
    expect(stages).toHaveLength(2);
    const [first, second] = stages.map(([, node]) => node.inputs);
    expect(first).toMatchObject({ noise: [noiseId, 0], sigmas: [splitId, 0], latent_image: ['5', 0] });
    expect(second).toMatchObject({ sigmas: [splitId, 1], latent_image: [stages[0]?.[0], 0] });
    expect(prompt[String((second?.noise as [string, number])[0])]?.class_type).toBe('DisableNoise');
    expect(prompt['8']?.inputs.samples).toEqual([stages[1]?.[0], 0]);
    expect(only('CFGGuider')[1]).toEqual({ cfg: 5, model: ['4', 0], positive: ['6', 0], negative: ['7', 0] });
    expect(problems).toEqual([]);
  });

  it('detail daemon wraps the sampler when the custom node is installed', () => {
    const objectInfo = withDetailDaemon(info);
    const { prompt, problems } = build({ caption: 'x', detail_daemon: true, pag: true }, { objectInfo });
    const entries = Object.entries(prompt);
    const [daemonId, daemon] =
      entries.find(([, node]) => node.class_type === 'DetailDaemonSamplerNode') ?? [];
    const [selectId] = entries.find(([, node]) => node.class_type === 'KSamplerSelect') ?? [];
    expect(daemon?.inputs).toMatchObject({ detail_amount: 0.1, smooth: true, sampler: [selectId, 0] });
    const [, sampler] = entries.find(([, node]) => node.class_type === 'SamplerCustomAdvanced') ?? [];
    expect(sampler?.inputs.sampler).toEqual([daemonId, 0]);
    const [pagId] = entries.find(([, node]) => node.class_type === 'PerturbedAttentionGuidance') ?? [];
    expect(entries.find(([, node]) => node.class_type === 'CFGGuider')?.[1].inputs.model).toEqual([pagId, 0]);
    expect(problems).toEqual([]);
    expect(checkPromptAgainstObjectInfo(prompt, info).map((p) => p.kind)).toEqual(['missing_class']);
  });
});

describe('with a preset', () => {
  const root = resolve(import.meta.dirname, '../../../config/comfy');
  async function presets(): Promise<Template[]> {
    return templatesFrom(await loadTemplateLibrary({ root }), 'preset');
  }

  it('patches the preset template and keeps its own sampler settings', async () => {
    const list = await presets();
    const { prompt, seed, problems } = build(
      { caption: 'a castle', preset: 'sample_basic_sdxl', loras: [fakeLoras[0] ?? ''] },
      { objectInfo: info, presets: list, random: () => 0 },
    );
    expect(seed).toBe(0);
    expect(prompt['6']?.inputs.text).toBe('a castle');
    expect(prompt['3']?.inputs).toMatchObject({
      sampler_name: 'dpmpp_2m',
      scheduler: 'karras',
      steps: 25,
      seed: 0,
    });
    expect(prompt['4']?.inputs.ckpt_name).toBe('sd_xl_base_1.0.safetensors');
    expect(prompt['9']?.inputs.filename_prefix).toBe('atelier/sdxl');
    expect(prompt['3']?.inputs.model).toEqual(['10', 0]);
    expect(problems).toEqual([]);
  });

  it('returns the template it built from, for the ledger', async () => {
    const list = await presets();
    const fromPreset = build(
      { caption: 'x', preset: 'sample_basic_sdxl' },
      { objectInfo: info, presets: list },
    );
    expect(fromPreset.template).toMatchObject({ id: 'preset/sample_basic_sdxl', version: list[0]?.version });
    expect(build({ caption: 'x' }, { objectInfo: info, presets: list }).template).toBe(
      builtinTxt2ImgTemplate,
    );
  });

  it('falls back to an installed checkpoint when the preset one is missing', async () => {
    const list = await presets();
    const objectInfo = withComboOptions(info, {
      CheckpointLoaderSimple: { ckpt_name: ['other.safetensors'] },
    });
    const { prompt } = build({ caption: 'x', preset: 'sample_basic_sdxl' }, { objectInfo, presets: list });
    expect(prompt['4']?.inputs.ckpt_name).toBe('other.safetensors');
  });

  it('applies the preset contract bounds and refuses unknown presets', async () => {
    const list = await presets();
    expect(
      issuesOf(() => build({ caption: 'x', width: 4096 }, { objectInfo: info, template: list[0] })),
    ).toEqual([expect.objectContaining({ kind: 'invalid_param', param: 'width' })]);
    expect(
      issuesOf(() => build({ caption: 'x', preset: 'nope' }, { objectInfo: info, presets: list })),
    ).toEqual([
      expect.objectContaining({ kind: 'unknown_preset', preset: 'nope', available: ['sample_basic_sdxl'] }),
    ]);
  });

  it('refuses parameters the preset does not expose', async () => {
    const [preset] = await presets();
    if (!preset) throw new Error('no preset');
    const { batch_size: _dropped, ...properties } = preset.params.properties;
    const narrow: Template = { ...preset, name: 'narrow', params: { ...preset.params, properties } };
    expect(
      issuesOf(() => build({ caption: 'x', batch_size: 2 }, { objectInfo: info, template: narrow })),
    ).toEqual([
      { kind: 'unsupported', param: 'batch_size', message: 'preset "narrow" does not take "batch_size"' },
    ]);
    expect(
      build({ caption: 'x' }, { objectInfo: info, template: narrow }).prompt['5']?.inputs.batch_size,
    ).toBe(1);
  });
});
