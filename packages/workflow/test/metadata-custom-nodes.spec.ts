/** Popular custom nodes, in the API shapes their classes declare: the walk reads them by their inputs' names. */
import { resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { loadTemplateLibrary, paramsFromApiPrompt, templatesFrom } from '../src/index.js';
import { fakeLoras, objectInfoWithModels } from './golden-pairs.js';
import { node } from './metadata-kit.js';
import { build } from './txt2img-kit.js';

/** The UI's default graph, as the recorded frontend sent it. */
const base = {
  '3': node('KSampler', {
    seed: 11,
    steps: 20,
    cfg: 8,
    sampler_name: 'euler',
    scheduler: 'normal',
    denoise: 1,
    model: ['4', 0],
    positive: ['6', 0],
    negative: ['7', 0],
    latent_image: ['5', 0],
  }),
  '4': node('CheckpointLoaderSimple', { ckpt_name: 'base.safetensors' }),
  '5': node('EmptyLatentImage', { width: 512, height: 640, batch_size: 1 }),
  '6': node('CLIPTextEncode', { text: 'a fox', clip: ['4', 1] }),
  '7': node('CLIPTextEncode', { text: 'blurry', clip: ['4', 1] }),
  '8': node('VAEDecode', { samples: ['3', 0], vae: ['4', 2] }),
  '9': node('SaveImage', { filename_prefix: 'x', images: ['8', 0] }),
};

describe('paramsFromApiPrompt with custom nodes', () => {
  it('reads the Efficient Loader and KSampler (Efficient) pair', () => {
    const prompt = {
      '1': node('Efficient Loader', {
        ckpt_name: 'dreamshaper_8.safetensors',
        vae_name: 'Baked VAE',
        clip_skip: -2,
        lora_name: 'add_detail.safetensors',
        lora_model_strength: 0.7,
        lora_clip_strength: 1,
        positive: 'a cosy cabin',
        negative: 'people',
        token_normalization: 'none',
        weight_interpretation: 'comfy',
        empty_latent_width: 512,
        empty_latent_height: 768,
        batch_size: 1,
      }),
      '2': node('KSampler (Efficient)', {
        seed: 77,
        steps: 30,
        cfg: 5,
        sampler_name: 'dpmpp_2m',
        scheduler: 'karras',
        denoise: 1,
        preview_method: 'auto',
        vae_decode: 'true',
        model: ['1', 0],
        positive: ['1', 1],
        negative: ['1', 2],
        latent_image: ['1', 3],
        optional_vae: ['1', 4],
      }),
      '3': node('SaveImage', { filename_prefix: 'eff', images: ['2', 5] }),
    };
    expect(paramsFromApiPrompt(prompt)).toEqual({
      positive: 'a cosy cabin',
      negative: 'people',
      checkpoint: 'dreamshaper_8.safetensors',
      loras: [{ name: 'add_detail.safetensors', weight: 0.7 }],
      sampler: 'dpmpp_2m',
      scheduler: 'karras',
      steps: 30,
      cfg: 5,
      seed: 77,
      denoise: 1,
      width: 512,
      height: 768,
    });
  });

  it("reads the Impact wildcard encoder's populated text, not its template", () => {
    const prompt = {
      ...base,
      '6': node('ImpactWildcardEncode', {
        wildcard_text: 'a {red|blue} fox',
        populated_text: 'a blue fox',
        mode: 'populate',
        seed: 3,
        model: ['4', 0],
        clip: ['4', 1],
      }),
    };
    expect(paramsFromApiPrompt(prompt).positive).toBe('a blue fox');
  });

  it('takes the LoRAs of a Power Lora Loader that are on', () => {
    const prompt = {
      ...base,
      '3': node('KSampler', { ...base['3'].inputs, model: ['20', 0] }),
      '20': node('Power Lora Loader (rgthree)', {
        lora_1: { on: true, lora: 'a.safetensors', strength: 0.5 },
        lora_2: { on: false, lora: 'b.safetensors', strength: 1 },
        lora_3: { on: true, lora: 'c.safetensors', strength: -1 },
        model: ['4', 0],
        clip: ['4', 1],
      }),
    };
    expect(paramsFromApiPrompt(prompt).loras).toEqual([
      { name: 'a.safetensors', weight: 0.5 },
      { name: 'c.safetensors', weight: -1 },
    ]);
  });
});

describe('paramsFromApiPrompt on the shipped preset, built', () => {
  it("gives back the preset's own settings and the request's prompt, seed and LoRA", async () => {
    const root = resolve(import.meta.dirname, '../../../config/comfy');
    const presets = templatesFrom(await loadTemplateLibrary({ root }), 'preset');
    const [lora = ''] = fakeLoras;
    const { prompt, seed } = build(
      { caption: 'a castle', preset: 'sample_basic_sdxl', loras: [lora], lora_weights: [0.8], seed: 5 },
      { objectInfo: objectInfoWithModels(), presets },
    );
    expect(seed).toBe(5);
    expect(paramsFromApiPrompt(prompt)).toEqual({
      positive: 'a castle',
      negative: 'blurry, low quality, watermark, text',
      checkpoint: 'sd_xl_base_1.0.safetensors',
      loras: [{ name: lora, weight: 0.8 }],
      sampler: 'dpmpp_2m',
      scheduler: 'karras',
      steps: 25,
      cfg: 7,
      seed: 5,
      denoise: 1,
      width: 1024,
      height: 1024,
    });
  });
});
