import type { ObjectInfo } from '@atelier/contract';
import { describe, expect, it } from 'vitest';
import { missingOn } from './backend-needs.js';

const info: ObjectInfo = {
  CheckpointLoaderSimple: {
    input: { required: { ckpt_name: [['sd_xl_base.safetensors', 'dreamshaper.safetensors'], {}] } },
    output: ['MODEL', 'CLIP', 'VAE'],
  },
  LoraLoader: {
    input: {
      required: {
        model: ['MODEL'],
        clip: ['CLIP'],
        lora_name: ['COMBO', { options: ['detail.safetensors'] }],
        strength_model: ['FLOAT', { min: -10, max: 10 }],
        strength_clip: ['FLOAT', { min: -10, max: 10 }],
      },
    },
    output: ['MODEL', 'CLIP'],
  },
  LoadImage: {
    input: { required: { image: [['a.png'], { image_upload: true }] } },
    output: ['IMAGE', 'MASK'],
  },
};

const ckpt = (name: string) => ({ class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: name } });
const lora = (name: string, strength = 1) => ({
  class_type: 'LoraLoader',
  inputs: { model: ['1', 0], clip: ['1', 1], lora_name: name, strength_model: strength, strength_clip: 1 },
});

describe('missingOn', () => {
  it('is empty when the server has every class and value the graph names', () => {
    expect(
      missingOn(info, { '1': ckpt('dreamshaper.safetensors'), '2': lora('detail.safetensors') }),
    ).toEqual([]);
  });

  it('names node classes the server lacks', () => {
    const prompt = {
      '1': ckpt('sd_xl_base.safetensors'),
      '2': { class_type: 'UltimateSDUpscale', inputs: {} },
    };
    expect(missingOn(info, prompt)).toEqual(['class UltimateSDUpscale']);
  });

  it('names checkpoints and LoRAs outside its lists, in either combo spelling', () => {
    const prompt = { '1': ckpt('flux_dev.safetensors'), '2': lora('anime.safetensors') };
    expect(missingOn(info, prompt)).toEqual([
      'CheckpointLoaderSimple.ckpt_name = flux_dev.safetensors',
      'LoraLoader.lora_name = anime.safetensors',
    ]);
  });

  it('ignores what every server would refuse alike and uploaded inputs', () => {
    const prompt = {
      '1': ckpt('sd_xl_base.safetensors'),
      '2': lora('detail.safetensors', 99),
      '3': { class_type: 'LoadImage', inputs: { image: 'atelier/atelier-0123456789abcdef.png' } },
    };
    expect(missingOn(info, prompt)).toEqual([]);
  });

  it('names each missing thing once', () => {
    const prompt = { '1': ckpt('x.safetensors'), '2': ckpt('x.safetensors') };
    expect(missingOn(info, prompt)).toEqual(['CheckpointLoaderSimple.ckpt_name = x.safetensors']);
  });
});
