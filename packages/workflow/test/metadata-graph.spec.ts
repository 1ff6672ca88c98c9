import { describe, expect, it } from 'vitest';

import { paramsFromApiPrompt } from '../src/index.js';
import { goldenPairs } from './golden-pairs.js';
import { historyPrompts, node, noParams, postedPrompt } from './metadata-kit.js';

const pair = (prefix: string) => {
  const found = goldenPairs().find((p) => p.file.startsWith(prefix));
  if (!found) throw new Error(`no pair ${prefix}`);
  return found.output;
};

describe('paramsFromApiPrompt over the UI-produced prompts', () => {
  it("reads the UI's default graph", () => {
    expect(paramsFromApiPrompt(pair('01_'))).toEqual({
      positive: 'beautiful scenery nature glass bottle landscape, , purple galaxy bottle,',
      negative: 'text, watermark',
      checkpoint: 'v1-5-pruned-emaonly.ckpt',
      loras: [],
      sampler: 'euler',
      scheduler: 'normal',
      steps: 20,
      cfg: 8,
      seed: 156680208700286,
      denoise: 1,
      width: 512,
      height: 512,
    });
  });

  it('reads the seeded graph, ignoring a RandomNoise no sampler uses', () => {
    expect(paramsFromApiPrompt(pair('05_'))).toEqual({
      positive: 'a red apple',
      negative: 'blurry',
      checkpoint: 'v1-5-pruned-emaonly.ckpt',
      loras: [],
      sampler: 'euler_ancestral',
      scheduler: 'karras',
      steps: 12,
      cfg: 6.5,
      seed: 42,
      denoise: 1,
      width: 512,
      height: 512,
    });
  });

  it('says nothing of the model-free graphs (no sampler)', () => {
    for (const prefix of ['02_', '03_', '04_', '06_'])
      expect(paramsFromApiPrompt(pair(prefix))).toEqual(noParams);
  });
});

describe('paramsFromApiPrompt over the transcripts', () => {
  it("says nothing of the recorded server's model-free history prompts", () => {
    const prompts = historyPrompts();
    expect(prompts.length).toBeGreaterThan(5);
    for (const prompt of prompts) expect(paramsFromApiPrompt(prompt)).toEqual(noParams);
  });

  it('survives the prompts the server rejected (bad link shape, missing node, wrong link type)', () => {
    for (const name of [
      'prompt_post_rejected_bad_link_shape',
      'prompt_post_rejected_link_to_missing_node',
      'prompt_post_rejected_wrong_link_type',
    ]) {
      expect(paramsFromApiPrompt(postedPrompt(name))).toEqual(noParams);
    }
  });
});

/** The default graph with its sampler replaced and extra nodes added. */
function defaultWith(extra: Record<string, unknown>) {
  return { ...structuredClone(pair('01_')), ...extra };
}

describe('paramsFromApiPrompt over common graph shapes', () => {
  it('joins SDXL encoders, combined conditioning and ControlNet pass-throughs', () => {
    const prompt = defaultWith({
      '3': node('KSampler', {
        ...(pair('01_')['3'] as { inputs: object }).inputs,
        positive: ['20', 0],
        negative: ['20', 1],
      }),
      '10': node('CLIPTextEncodeSDXL', {
        text_g: ' a castle ',
        text_l: 'a castle',
        width: 1024,
        clip: ['4', 1],
      }),
      '11': node('CLIPTextEncode', { text: 'at dusk', clip: ['4', 1] }),
      '12': node('ConditioningCombine', { conditioning_1: ['10', 0], conditioning_2: ['11', 0] }),
      '13': node('ConditioningSetArea', { conditioning: ['12', 0], width: 64, height: 64, x: 0, y: 0 }),
      '20': node('ControlNetApplyAdvanced', {
        strength: 0.8,
        positive: ['13', 0],
        negative: ['7', 0],
        control_net: ['21', 0],
        image: ['22', 0],
      }),
    });
    const params = paramsFromApiPrompt(prompt);
    expect(params.positive).toBe('a castle\nat dusk');
    expect(params.negative).toBe('text, watermark');
  });

  it('follows text inputs wired from string nodes, with their delimiters', () => {
    const prompt = defaultWith({
      '6': node('CLIPTextEncode', { text: ['30', 0], clip: ['4', 1] }),
      '7': node('CLIPTextEncode', { text: ['33', 1], clip: ['4', 1] }),
      '30': node('StringConcatenate', { string_a: ['31', 0], string_b: ['32', 0], delimiter: ' | ' }),
      '31': node('String Literal', { string: 'a lighthouse' }),
      '32': node('Text Concatenate', {
        text_a: 'storm',
        text_b: ['31', 0],
        delimiter: ', ',
        clean_whitespace: 'true',
      }),
      '33': node('SDXLPromptStyler', {
        text_positive: 'pos',
        text_negative: 'ugly',
        style: 'base',
        log_prompt: false,
      }),
    });
    const params = paramsFromApiPrompt(prompt);
    expect(params.positive).toBe('a lighthouse | storm, a lighthouse');
    expect(params.negative).toBe('ugly');
  });

  it('reports an empty text as known-empty and a zeroed-out negative as empty', () => {
    const prompt = defaultWith({
      '6': node('CLIPTextEncode', { text: '  ', clip: ['4', 1] }),
      '7': node('ConditioningZeroOut', { conditioning: ['6', 0] }),
    });
    expect(paramsFromApiPrompt(prompt)).toMatchObject({ positive: '', negative: '' });
  });

  it('reports the base pass of a hires fix, and prefers SaveImage over a preview', () => {
    const base = pair('01_');
    const prompt = defaultWith({
      '10': node('LatentUpscaleBy', { upscale_method: 'nearest-exact', scale_by: 1.5, samples: ['3', 0] }),
      '11': node('KSampler', {
        ...(base['3'] as { inputs: object }).inputs,
        seed: 7,
        denoise: 0.5,
        positive: ['12', 0],
        latent_image: ['10', 0],
      }),
      '12': node('CLIPTextEncode', { text: 'hires detail', clip: ['4', 1] }),
      '13': node('VAEDecode', { samples: ['11', 0], vae: ['4', 2] }),
      '9': node('SaveImage', { filename_prefix: 'hires', images: ['13', 0] }),
      '14': node('PreviewImage', { images: ['8', 0] }),
      // An unrelated sampler with a lower id that no output shows.
      '2': node('KSampler', {
        seed: 1,
        steps: 1,
        cfg: 1,
        latent_image: ['5', 0],
        positive: ['12', 0],
        model: ['4', 0],
      }),
    });
    const params = paramsFromApiPrompt(prompt);
    expect(params).toMatchObject({ seed: 156680208700286, denoise: 1, width: 512, height: 512 });
    expect(params.positive).toBe('beautiful scenery nature glass bottle landscape, , purple galaxy bottle,');
  });

  it('reads custom sampling with a Karras schedule, a basic guider and a UNET loader', () => {
    const prompt = {
      '1': node('UNETLoader', { unet_name: 'flux1-dev.safetensors', weight_dtype: 'default' }),
      '2': node('LoraLoaderModelOnly', {
        lora_name: 'style.safetensors',
        strength_model: 0.6,
        model: ['1', 0],
      }),
      '3': node('ModelSamplingFlux', { max_shift: 1.15, base_shift: 0.5, model: ['2', 0] }),
      '4': node('CLIPTextEncode', { text: 'a fox', clip: ['9', 0] }),
      '5': node('FluxGuidance', { guidance: 3.5, conditioning: ['4', 0] }),
      '6': node('BasicGuider', { model: ['3', 0], conditioning: ['5', 0] }),
      '7': node('KarrasScheduler', { steps: 24, sigma_max: 14.6, sigma_min: 0.03, rho: 7 }),
      '8': node('KSamplerSelect', { sampler_name: 'dpmpp_2m' }),
      '10': node('RandomNoise', { noise_seed: 99 }),
      '11': node('EmptySD3LatentImage', { width: 1024, height: 768, batch_size: 1 }),
      '12': node('SamplerCustomAdvanced', {
        noise: ['10', 0],
        guider: ['6', 0],
        sampler: ['8', 0],
        sigmas: ['7', 0],
        latent_image: ['11', 0],
      }),
      '13': node('VAEDecode', { samples: ['12', 0], vae: ['14', 0] }),
      '15': node('SaveImage', { filename_prefix: 'flux', images: ['13', 0] }),
    };
    expect(paramsFromApiPrompt(prompt)).toEqual({
      positive: 'a fox',
      negative: null,
      checkpoint: 'flux1-dev.safetensors',
      loras: [{ name: 'style.safetensors', weight: 0.6 }],
      sampler: 'dpmpp_2m',
      scheduler: 'karras',
      steps: 24,
      cfg: null,
      seed: 99,
      denoise: null,
      width: 1024,
      height: 768,
    });
  });

  it('reads an SDXL base + refiner pair of KSamplerAdvanced as its base pass', () => {
    const advanced = (inputs: object) =>
      node('KSamplerAdvanced', { cfg: 7, sampler_name: 'euler', scheduler: 'normal', steps: 30, ...inputs });
    const prompt = {
      '1': node('CheckpointLoaderSimple', { ckpt_name: 'sd_xl_base_1.0.safetensors' }),
      '2': node('CheckpointLoaderSimple', { ckpt_name: 'sd_xl_refiner_1.0.safetensors' }),
      '3': node('CLIPTextEncodeSDXL', { text_g: 'a fox', text_l: 'a fox', clip: ['1', 1] }),
      '4': node('CLIPTextEncodeSDXL', { text_g: 'blurry', text_l: 'blurry', clip: ['1', 1] }),
      '5': node('CLIPTextEncodeSDXLRefiner', { ascore: 6, text: 'a fox, sharp', clip: ['2', 1] }),
      '6': node('CLIPTextEncodeSDXLRefiner', { ascore: 2.5, text: 'blurry', clip: ['2', 1] }),
      '7': node('EmptyLatentImage', { width: 1024, height: 1024, batch_size: 1 }),
      '10': advanced({
        add_noise: 'enable',
        noise_seed: 721,
        start_at_step: 0,
        end_at_step: 24,
        return_with_leftover_noise: 'enable',
        model: ['1', 0],
        positive: ['3', 0],
        negative: ['4', 0],
        latent_image: ['7', 0],
      }),
      '11': advanced({
        add_noise: 'disable',
        noise_seed: 0,
        start_at_step: 24,
        end_at_step: 10000,
        return_with_leftover_noise: 'disable',
        model: ['2', 0],
        positive: ['5', 0],
        negative: ['6', 0],
        latent_image: ['10', 0],
      }),
      '12': node('VAEDecode', { samples: ['11', 0], vae: ['2', 2] }),
      '13': node('SaveImage', { filename_prefix: 'sdxl', images: ['12', 0] }),
    };
    expect(paramsFromApiPrompt(prompt)).toMatchObject({
      positive: 'a fox',
      negative: 'blurry',
      checkpoint: 'sd_xl_base_1.0.safetensors',
      seed: 721,
      steps: 30,
      denoise: 1,
      width: 1024,
    });
  });

  it('reads KSamplerAdvanced: noise_seed, a full denoise only from step 0, numbers only when literal', () => {
    const inputs = { ...(pair('01_')['3'] as { inputs: Record<string, unknown> }).inputs };
    delete inputs.seed;
    delete inputs.denoise;
    const advanced = (extra: object) =>
      defaultWith({
        '3': node('KSamplerAdvanced', { ...inputs, add_noise: 'enable', noise_seed: 5, ...extra }),
      });
    expect(paramsFromApiPrompt(advanced({ start_at_step: 0, end_at_step: 10000 }))).toMatchObject({
      seed: 5,
      denoise: 1,
      steps: 20,
    });
    expect(paramsFromApiPrompt(advanced({ start_at_step: 8, cfg: ['40', 0] }))).toMatchObject({
      denoise: null,
      cfg: null,
    });
  });
});
