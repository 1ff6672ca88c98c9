import { describe, expect, it } from 'vitest';

import {
  paramsFromA1111,
  paramsFromApiPrompt,
  paramsFromPngChunks,
  readPngTextChunks,
} from '../src/index.js';
import { goldenPairs, pairsObjectInfo } from './golden-pairs.js';
import { recording } from './metadata-kit.js';

const defaultPair = () => {
  const pair = goldenPairs().find((p) => p.file.startsWith('01_'));
  if (!pair) throw new Error('no default pair');
  return pair;
};

const a1111 = [
  'a red lighthouse on a cliff, <lora:film_grain:0.6>, dramatic sky',
  'at dusk <lora:detail_tweaker>',
  'Negative prompt: blurry, lowres,',
  'watermark',
  'Steps: 28, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 6.5, Seed: 1234567890, Size: 832x1216, ' +
    'Model hash: 31e35c80fc, Model: sd_xl_base_1.0, Lora hashes: "film_grain: 1a2b, detail_tweaker: 3c4d", Version: v1.9.4',
].join('\n');

describe('paramsFromPngChunks', () => {
  it('walks the prompt of a real ComfyUI output (model-free: it states nothing) and returns it', () => {
    const chunks = readPngTextChunks(recording('view_output_png.png'));
    const { params, prompt, workflow } = paramsFromPngChunks(chunks);
    expect(prompt?.['3']?.class_type).toBe('EmptyImage');
    expect(params).toBeNull();
    expect(workflow).toBeNull();
  });

  it('walks an embedded prompt and returns the workflow beside it', () => {
    const pair = defaultPair();
    const chunks = { prompt: JSON.stringify(pair.output), workflow: JSON.stringify(pair.workflow) };
    const result = paramsFromPngChunks(chunks);
    expect(result.params).toEqual(paramsFromApiPrompt(pair.output));
    expect(result.params?.checkpoint).toBe('v1-5-pruned-emaonly.ckpt');
    expect(result.workflow).toEqual(pair.workflow);
    expect(result.prompt).toEqual(pair.output);
  });

  it('converts a workflow-only PNG when object_info is given, and states nothing without it', () => {
    const pair = defaultPair();
    const chunks = { workflow: JSON.stringify(pair.workflow) };
    expect(paramsFromPngChunks(chunks).params).toBeNull();
    const converted = paramsFromPngChunks(chunks, { objectInfo: pairsObjectInfo() });
    expect(converted.params).toEqual(paramsFromApiPrompt(pair.output));
    expect(converted.prompt).toBeNull();
    expect(paramsFromPngChunks(chunks, { objectInfo: {} }).params).toBeNull();
  });

  it("reads Python's NaN and Infinity tokens as null, leaving strings alone", () => {
    const pair = defaultPair();
    const text = JSON.stringify(pair.output)
      .replace('"cfg":8', '"cfg":NaN')
      .replace('"denoise":1', '"denoise":-Infinity')
      .replace('"text, watermark"', '"NaN \\"Infinity\\" text"');
    expect(() => JSON.parse(text) as unknown).toThrow();
    const { params, prompt } = paramsFromPngChunks({ prompt: text });
    expect(params).toMatchObject({ cfg: null, denoise: null, negative: 'NaN "Infinity" text', steps: 20 });
    expect(prompt?.['3']?.inputs.cfg).toBeNull();
  });

  it('falls back to an A1111 parameters chunk', () => {
    const result = paramsFromPngChunks({ parameters: a1111, prompt: '{not json' });
    expect(result).toMatchObject({ prompt: null, workflow: null, params: { seed: 1234567890 } });
  });

  it('answers nothing for junk', () => {
    const junk = { prompt: '[1,2]', workflow: '"text"', other: 'x' };
    expect(paramsFromPngChunks(junk)).toEqual({ params: null, prompt: null, workflow: null });
    expect(paramsFromPngChunks(null as unknown as Record<string, string>).params).toBeNull();
  });
});

describe('paramsFromA1111', () => {
  it('reads prompts over several lines, settings, LoRA tags, and translates names to ComfyUI', () => {
    expect(paramsFromA1111(a1111)).toEqual({
      positive:
        'a red lighthouse on a cliff, <lora:film_grain:0.6>, dramatic sky\nat dusk <lora:detail_tweaker>',
      negative: 'blurry, lowres,\nwatermark',
      checkpoint: 'sd_xl_base_1.0',
      loras: [
        { name: 'film_grain', weight: 0.6 },
        { name: 'detail_tweaker', weight: 1 },
      ],
      sampler: 'dpmpp_2m',
      scheduler: 'karras',
      steps: 28,
      cfg: 6.5,
      seed: 1234567890,
      denoise: 1,
      width: 832,
      height: 1216,
    });
  });

  it('splits an old folded sampler name, keeps unknown names, reads img2img and hires denoise', () => {
    const old = paramsFromA1111(
      'a cat\nSteps: 20, Sampler: DPM++ SDE Karras, CFG scale: 7, Seed: 1, Size: 512x512',
    );
    expect(old).toMatchObject({
      sampler: 'dpmpp_sde',
      scheduler: 'karras',
      negative: null,
      checkpoint: null,
    });
    const odd = paramsFromA1111(
      'x\nSteps: 4, Sampler: Restart, Schedule type: Automatic, Denoising strength: 0.4',
    );
    expect(odd).toMatchObject({ sampler: 'Restart', scheduler: null, denoise: 0.4, width: null });
    const hires = paramsFromA1111('x\nSteps: 4, Seed: 2, Denoising strength: 0.4, Hires upscale: 2');
    expect(hires?.denoise).toBe(1);
  });

  it('treats a last line with fewer than three settings as prompt text', () => {
    expect(paramsFromA1111('portrait\nStyle: noir, Mood: dark')).toMatchObject({
      positive: 'portrait\nStyle: noir, Mood: dark',
      steps: null,
      denoise: null,
    });
  });

  it('states nothing for empty or non-text input, and copes with garbage', () => {
    expect(paramsFromA1111('')).toBeNull();
    expect(paramsFromA1111(42 as unknown as string)).toBeNull();
    const garbage = paramsFromA1111('Steps: abc, Size: 12y4, Seed: 1e999, CFG scale: "7", <lora::x>');
    expect(garbage).toMatchObject({ steps: null, width: null, seed: null, cfg: 7, loras: [] });
  });
});
