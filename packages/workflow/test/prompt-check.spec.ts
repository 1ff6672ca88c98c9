import { describe, expect, it } from 'vitest';

import {
  checkPromptAgainstObjectInfo,
  convertUiWorkflow,
  hasNodeClass,
  listComboOptions,
  type ApiPrompt,
} from '../src/index.js';
import { goldenPairs, objectInfoWithModels, pairsObjectInfo, recordedObjectInfo } from './golden-pairs.js';

const recorded = recordedObjectInfo();

describe('object_info helpers', () => {
  it('lists combo options and tells which classes exist', () => {
    expect(listComboOptions(recorded, 'KSampler', 'scheduler')?.slice(0, 2)).toEqual(['normal', 'karras']);
    expect(listComboOptions(recorded, 'CheckpointLoaderSimple', 'ckpt_name')).toEqual([]);
    expect(listComboOptions(objectInfoWithModels(), 'LoraLoader', 'lora_name')).toContain(
      'film_grain.safetensors',
    );
    expect(listComboOptions(recorded, 'KSampler', 'steps')).toBeNull();
    expect(listComboOptions(recorded, 'NoSuchNode', 'x')).toBeNull();
    expect(hasNodeClass(recorded, 'SaveImage')).toBe(true);
    expect(hasNodeClass(recorded, 'DetailDaemonSamplerNode')).toBe(false);
    expect(hasNodeClass(recorded, 'constructor')).toBe(false);
  });
});

describe('checkPromptAgainstObjectInfo', () => {
  it('passes the prompts the server accepted, and flags the checkpoint it rejected', () => {
    const info = pairsObjectInfo();
    for (const pair of goldenPairs()) {
      const problems = checkPromptAgainstObjectInfo(pair.output as ApiPrompt, info);
      if (pair.case === '01_default_workflow' || pair.case === '05_seed_control_after_generate') {
        // The server answered 400 value_not_in_list for exactly this input.
        expect(problems).toEqual([
          expect.objectContaining({
            kind: 'value_not_in_list',
            input: 'ckpt_name',
            value: 'v1-5-pruned-emaonly.ckpt',
            allowed: [],
          }),
        ]);
      } else {
        expect(problems).toEqual([]);
      }
    }
  });

  it('accepts converted prompts once the checkpoint is installed', () => {
    const pair = goldenPairs().find((p) => p.case === '05_seed_control_after_generate');
    const { prompt } = convertUiWorkflow(pair?.workflow, pairsObjectInfo());
    expect(checkPromptAgainstObjectInfo(prompt, objectInfoWithModels())).toEqual([]);
  });

  it('reports missing classes, unknown and missing inputs, bounds, bad links and type mismatches', () => {
    const prompt: ApiPrompt = {
      '1': {
        inputs: { width: 0, height: 64.5, batch_size: 1, color: 'red', extra: 1 },
        class_type: 'EmptyImage',
      },
      '2': { inputs: { image: ['1', 3] }, class_type: 'ImageInvert' },
      '3': { inputs: { images: ['9', 0] }, class_type: 'SaveImage' },
      '4': { inputs: {}, class_type: 'DetailDaemonSamplerNode' },
      '5': { inputs: { samples: ['1', 0], vae: ['1', 0] }, class_type: 'VAEDecode' },
      '6': {
        inputs: { upscale_method: 'nearest', crop: 'center', width: 8, height: 8, image: ['1', 0] },
        class_type: 'ImageScale',
      },
    };
    const found = checkPromptAgainstObjectInfo(prompt, recorded).map((p) => [
      p.nodeId,
      p.kind,
      p.input ?? null,
    ]);
    expect(found).toEqual([
      ['1', 'invalid_value', 'width'],
      ['1', 'invalid_value', 'height'],
      ['1', 'invalid_value', 'color'],
      ['1', 'unknown_input', 'extra'],
      ['2', 'bad_link', 'image'],
      ['3', 'bad_link', 'images'],
      ['3', 'missing_input', 'filename_prefix'],
      ['4', 'missing_class', null],
      ['5', 'type_mismatch', 'samples'],
      ['5', 'type_mismatch', 'vae'],
      ['6', 'value_not_in_list', 'upscale_method'],
    ]);
  });
});
