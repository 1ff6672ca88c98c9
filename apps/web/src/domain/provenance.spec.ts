import { describe, expect, it } from 'vitest';
import { galleryImage } from '../test/fake-comfy';
import { provenanceParams, provenanceRows } from './provenance';

describe('provenance', () => {
  it('lists prompt, seed, size, sampling, model, LoRAs, who, when and prompt id', () => {
    const detail = galleryImage(7);
    detail.provenance.params = {
      caption: 'a fox',
      negative: 'blurry',
      seed: 12,
      steps: 30,
      cfg: 6,
      sampler: 'euler',
      scheduler: 'karras',
      checkpoint: 'sdxl.safetensors',
      loras: ['a.safetensors', 'b.safetensors'],
      lora_weights: [0.5],
    };
    const rows = Object.fromEntries(provenanceRows(detail).map((r) => [r.label, r.value]));
    expect(rows).toMatchObject({
      Prompt: 'a fox',
      'Negative prompt': 'blurry',
      Seed: '12',
      Size: '1024 × 768',
      Steps: '30',
      CFG: '6',
      Sampler: 'euler · karras',
      Checkpoint: 'sdxl.safetensors',
      LoRAs: 'a.safetensors (0.5), b.safetensors (1)',
      'Created by': 'cora',
      'Prompt ID': 'p-7',
    });
    expect(rows.Created).not.toBe('—');
  });

  it('completes what the request left to defaults from the queued workflow', () => {
    const detail = galleryImage(5);
    detail.provenance.params = { caption: 'a fox', seed: 5 };
    detail.provenance.workflow = {
      '3': {
        class_type: 'KSampler',
        inputs: { seed: 5, steps: 25, cfg: 7, sampler_name: 'euler', scheduler: 'normal' },
      },
      '4': { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'sdxl.safetensors' } },
      '10': { class_type: 'LoraLoader', inputs: { lora_name: 'style.safetensors', strength_model: 0.7 } },
    };
    expect(provenanceParams(detail)).toEqual({
      caption: 'a fox',
      seed: 5,
      steps: 25,
      cfg: 7,
      sampler: 'euler',
      scheduler: 'normal',
      checkpoint: 'sdxl.safetensors',
      loras: ['style.safetensors'],
      lora_weights: [0.7],
    });
  });

  it('falls back to the uploader’s metadata, and leaves out what nobody knows', () => {
    const detail = galleryImage(3);
    detail.provenance.params = null;
    detail.provenance.metadata = { params: { caption: 'from metadata' } };
    expect(provenanceParams(detail)).toEqual({ caption: 'from metadata' });
    detail.provenance.metadata = {};
    expect(provenanceParams(detail)).toBeNull();
    expect(provenanceRows(detail).map((r) => r.label)).toEqual([
      'Size',
      'Created by',
      'Created',
      'Prompt ID',
    ]);
  });
});
