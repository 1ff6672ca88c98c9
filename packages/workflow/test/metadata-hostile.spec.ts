/** Graphs built to hurt: the walk must finish fast, never throw, and report only what it can stand behind. */
import { describe, expect, it } from 'vitest';

import { paramsFromApiPrompt } from '../src/index.js';
import { node, noParams } from './metadata-kit.js';

function timed<T>(run: () => T): { result: T; ms: number } {
  const start = performance.now();
  const result = run();
  return { result, ms: performance.now() - start };
}

const sampler = (inputs: Record<string, unknown> = {}) =>
  node('KSampler', {
    seed: 3,
    steps: 10,
    cfg: 7,
    sampler_name: 'euler',
    scheduler: 'normal',
    denoise: 1,
    model: ['m', 0],
    positive: ['p', 0],
    negative: ['n', 0],
    latent_image: ['l', 0],
    ...inputs,
  });

describe('paramsFromApiPrompt on hostile input', () => {
  it('answers nothing for values that are not prompts', () => {
    for (const value of [null, undefined, 42, 'prompt', [], [['1', 0]], { 1: 'x' }, { 1: { inputs: {} } }]) {
      expect(paramsFromApiPrompt(value)).toEqual(noParams);
    }
  });

  it('leaves dangling links, wrong types and prototype keys unknown', () => {
    const prompt = {
      s: sampler({
        seed: '3',
        steps: [1, 2],
        cfg: Number.NaN,
        sampler_name: 7,
        scheduler: { x: 1 },
        denoise: null,
      }),
      p: node('CLIPTextEncode', { text: ['__proto__', 0], clip: ['constructor', 0] }),
      n: node('CLIPTextEncode', { text: 12 }),
      m: { class_type: 'CheckpointLoaderSimple', inputs: 'not an object' },
      l: node('EmptyLatentImage', { width: '512', height: 512 }),
      o: node('SaveImage', { images: ['hasOwnProperty', 0] }),
    };
    // The sampler is found (it is the output's), but not one of its values is a literal of the right type.
    expect(paramsFromApiPrompt(prompt)).toEqual(noParams);
  });

  it('survives cycles in every chain it follows', () => {
    const prompt = {
      s: sampler(),
      // model patches looping on each other, conditioning and strings in loops, a latent loop
      m: node('FreeU', { model: ['m2', 0] }),
      m2: node('FreeU', { model: ['m', 0] }),
      p: node('ConditioningCombine', { conditioning_1: ['p2', 0], conditioning_2: ['p3', 0] }),
      p2: node('ConditioningCombine', { conditioning_1: ['p', 0] }),
      p3: node('CLIPTextEncode', { text: ['t', 0] }),
      t: node('StringConcatenate', { string_a: 'loop', string_b: ['t2', 0] }),
      t2: node('StringConcatenate', { string_a: ['t', 0] }),
      n: node('CLIPTextEncode', { text: 'fine' }),
      l: node('LatentUpscale', { samples: ['l2', 0] }),
      l2: node('RepeatLatentBatch', { samples: ['l', 0] }),
      // two samplers feeding each other's latents
      a: sampler({ latent_image: ['b', 0] }),
      b: sampler({ latent_image: ['a', 0] }),
      d: node('VAEDecode', { samples: ['a', 0] }),
      o: node('SaveImage', { images: ['d', 0] }),
    };
    const { result, ms } = timed(() => paramsFromApiPrompt(prompt));
    expect(result).toMatchObject({ checkpoint: null, width: null, negative: 'fine', seed: 3 });
    expect(ms).toBeLessThan(500);
  });

  it('finishes a 10,000-node chain quickly, without reaching its far end', () => {
    const prompt: Record<string, unknown> = { s: sampler({ model: ['0', 0] }) };
    for (let i = 0; i < 10_000; i += 1) prompt[String(i)] = node('FreeU', { model: [String(i + 1), 0] });
    prompt['10000'] = node('CheckpointLoaderSimple', { ckpt_name: 'far.safetensors' });
    const { result, ms } = timed(() => paramsFromApiPrompt(prompt));
    expect(result.checkpoint).toBeNull();
    expect(result.steps).toBe(10);
    expect(ms).toBeLessThan(500);
  });

  it('caps the text of a doubling diamond of joins', () => {
    const prompt: Record<string, unknown> = { s: sampler({ positive: ['p', 0] }) };
    for (let i = 0; i < 60; i += 1) {
      prompt[`c${i}`] = node('StringConcatenate', { string_a: [`c${i + 1}`, 0], string_b: [`c${i + 1}`, 0] });
    }
    prompt.c60 = node('String Literal', { string: 'x'.repeat(1000) });
    prompt.p = node('CLIPTextEncode', { text: ['c0', 0] });
    const { result, ms } = timed(() => paramsFromApiPrompt(prompt));
    expect(result.positive === null || result.positive.length <= 20_000).toBe(true);
    expect(ms).toBeLessThan(1000);
  });

  it('scans 20,000 outputs and samplers without stalling', () => {
    const prompt: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i += 1) {
      prompt[`s${i}`] = sampler({ seed: i, latent_image: [`s${i + 1}`, 0] });
      prompt[`o${i}`] = node('SaveImage', { images: [`s${i}`, 0] });
    }
    const { result, ms } = timed(() => paramsFromApiPrompt(prompt));
    expect(typeof result).toBe('object');
    expect(ms).toBeLessThan(2000);
  });
});
