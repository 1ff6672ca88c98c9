import type { ComfyImportNode } from '@atelier/contract';
import { describe, expect, it } from 'vitest';
import {
  buildParamContract,
  selectionFor,
  selectionProblems,
  suggestName,
  type ParamSelection,
} from './contract-builder';

const sampler: ComfyImportNode = {
  id: '3',
  class_type: 'KSampler',
  title: null,
  widgets: [
    { input: 'seed', value: 156680208700286, type: 'INT', min: 0, max: 18446744073709552000 },
    { input: 'steps', value: 20, type: 'INT', min: 1, max: 10000 },
    { input: 'cfg', value: 8, type: 'FLOAT', min: 0, max: 100, step: 0.1 },
    { input: 'sampler_name', value: 'euler', type: 'COMBO', options: ['euler', 'ddim'] },
  ],
};

const widget = (input: string) => sampler.widgets.find((w) => w.input === input)!;

describe('buildParamContract', () => {
  it('makes a closed object with x-patch, bounds and the current value as default', () => {
    const steps = { ...selectionFor(sampler, widget('steps'), new Set()), min: 1, max: 50 };
    const seed = selectionFor(sampler, widget('seed'), new Set(['steps']));
    expect(buildParamContract([steps, seed])).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        steps: {
          type: 'integer',
          minimum: 1,
          maximum: 50,
          default: 20,
          'x-patch': [{ node: '3', input: 'steps' }],
        },
        seed: {
          type: 'integer',
          minimum: 0,
          maximum: Number.MAX_SAFE_INTEGER,
          'x-random': true,
          default: 156680208700286,
          'x-patch': [{ node: '3', input: 'seed' }],
        },
      },
    });
  });

  it('leaves combos open unless restricted, floats without multipleOf, integers with one their default fits', () => {
    const combo = selectionFor(sampler, widget('sampler_name'), new Set());
    const cfg = selectionFor(sampler, widget('cfg'), new Set());
    const width: ParamSelection = {
      name: 'width',
      node: '5',
      input: 'width',
      type: 'INT',
      value: 512,
      step: 8,
    };
    const odd: ParamSelection = { ...width, name: 'odd', value: 513 };
    const { properties } = buildParamContract([
      combo,
      { ...combo, name: 'sampler2', options: ['euler'] },
      cfg,
      width,
      odd,
    ]);
    expect(properties.sampler_name).not.toHaveProperty('enum');
    expect(properties.sampler_name).not.toHaveProperty('type');
    expect(properties.sampler2?.enum).toEqual(['euler']);
    expect(properties.cfg).not.toHaveProperty('multipleOf');
    expect(properties.width?.multipleOf).toBe(8);
    expect(properties.odd).not.toHaveProperty('multipleOf');
  });

  it('keeps a trimmed description and drops an empty one', () => {
    const base = selectionFor(sampler, widget('steps'), new Set());
    const { properties } = buildParamContract([
      { ...base, description: '  How long to sample  ' },
      { ...base, name: 'other', description: '   ' },
    ]);
    expect(properties.steps?.description).toBe('How long to sample');
    expect(properties.other).not.toHaveProperty('description');
  });
});

describe('names and problems', () => {
  it('suggests unique valid names', () => {
    expect(suggestName('steps', new Set())).toBe('steps');
    expect(suggestName('text', new Set(['text', 'text_2']))).toBe('text_3');
    expect(suggestName('3d-mode', new Set())).toBe('p_3d_mode');
  });

  it('names what cannot be saved', () => {
    const steps = selectionFor(sampler, widget('steps'), new Set());
    expect(selectionProblems([steps])).toEqual([]);
    expect(selectionProblems([steps, { ...steps }])).toEqual(['two parameters are named "steps"']);
    expect(selectionProblems([{ ...steps, name: '1x' }])[0]).toContain('not a valid parameter name');
    expect(selectionProblems([{ ...steps, min: 30, max: 50 }])).toEqual([
      'steps: the current value is below the minimum',
    ]);
    expect(selectionProblems([{ ...steps, min: 60, max: 50 }])).toContain(
      'steps: the minimum is above the maximum',
    );
    const combo = selectionFor(sampler, widget('sampler_name'), new Set());
    expect(selectionProblems([{ ...combo, options: ['ddim'] }])).toEqual([
      'sampler_name: the current value is not among the allowed values',
    ]);
  });
});
