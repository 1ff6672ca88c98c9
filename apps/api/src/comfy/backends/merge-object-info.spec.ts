import type { ObjectInfo } from '@atelier/contract';
import { describe, expect, it } from 'vitest';
import { mergeObjectInfo } from './merge-object-info.js';

const checkpoint = (names: string[]) => ({
  input: { required: { ckpt_name: [names, { tooltip: 'The model' }] } },
  output: ['MODEL', 'CLIP', 'VAE'],
});
const lora = (names: string[]) => ({
  input: {
    required: {
      model: ['MODEL'],
      lora_name: ['COMBO', { options: names }],
      strength: ['FLOAT', { min: -10 }],
    },
  },
  output: ['MODEL'],
});

describe('mergeObjectInfo', () => {
  it('is the one catalogue itself when there is one, and empty when there is none', () => {
    const only: ObjectInfo = { CheckpointLoaderSimple: checkpoint(['a.safetensors']) };
    expect(mergeObjectInfo([only])).toBe(only);
    expect(mergeObjectInfo([])).toEqual({});
  });

  it('has every class some backend has', () => {
    const merged = mergeObjectInfo([
      { CheckpointLoaderSimple: checkpoint(['a.safetensors']) },
      { UltimateSDUpscale: { input: { required: {} }, output: ['IMAGE'] } },
    ]);
    expect(Object.keys(merged).sort()).toEqual(['CheckpointLoaderSimple', 'UltimateSDUpscale']);
  });

  it('unites combo values in either spelling, keeping the first spelling and options', () => {
    const merged = mergeObjectInfo([
      { CheckpointLoaderSimple: checkpoint(['a.safetensors', 'b.safetensors']), LoraLoader: lora(['x']) },
      { CheckpointLoaderSimple: checkpoint(['b.safetensors', 'c.safetensors']), LoraLoader: lora(['y']) },
    ]);
    expect(merged.CheckpointLoaderSimple?.input).toEqual({
      required: {
        ckpt_name: [['a.safetensors', 'b.safetensors', 'c.safetensors'], { tooltip: 'The model' }],
      },
    });
    expect((merged.LoraLoader?.input as { required: Record<string, unknown> }).required).toEqual({
      model: ['MODEL'],
      lora_name: ['COMBO', { options: ['x', 'y'] }],
      strength: ['FLOAT', { min: -10 }],
    });
  });

  it('adds inputs only a later backend declares, and leaves the inputs it was given alone', () => {
    const first = { KSampler: { input: { required: { steps: ['INT', { max: 100 }] } }, output: ['LATENT'] } };
    const second = {
      KSampler: {
        input: { required: { steps: ['INT', { max: 10000 }] }, optional: { noise: ['NOISE'] } },
        output: ['LATENT'],
      },
    };
    const merged = mergeObjectInfo([first, second]);
    expect(merged.KSampler?.input).toEqual({
      required: { steps: ['INT', { max: 100 }] },
      optional: { noise: ['NOISE'] },
    });
    expect(first.KSampler.input).toEqual({ required: { steps: ['INT', { max: 100 }] } });
  });
});
