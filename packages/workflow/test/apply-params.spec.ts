import { describe, expect, it } from 'vitest';

import { applyParams, checkParamContract, type ApiPrompt, type ParamSchema } from '../src/index.js';

const template: ApiPrompt = {
  '1': { inputs: { width: 256, height: 256, batch_size: 1, color: 0 }, class_type: 'EmptyImage' },
  '2': { inputs: { image: ['1', 0] }, class_type: 'ImageInvert' },
  '3': { inputs: { filename_prefix: 'pattern', images: ['2', 0] }, class_type: 'SaveImage' },
  '4': { inputs: { width: 256, height: 256, batch_size: 1, color: 0 }, class_type: 'EmptyImage' },
};

const schema: ParamSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['size'],
  properties: {
    size: {
      type: 'integer',
      minimum: 8,
      maximum: 1024,
      multipleOf: 8,
      'x-patch': [
        { node: '1', input: 'width' },
        { node: '1', input: 'height' },
        { node: '4', input: 'width' },
      ],
    },
    color: {
      type: 'integer',
      minimum: 0,
      maximum: 16777215,
      'x-random': true,
      'x-patch': [{ node: '1', input: 'color' }],
    },
    prefix: { type: 'string', minLength: 1, 'x-patch': [{ node: '3', input: 'filename_prefix' }] },
  },
};

describe('applyParams', () => {
  it('patches every target of each knob on a copy; knobs left out keep the template value', () => {
    const result = applyParams(template, schema, { size: 64, color: 255 });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.prompt['1']?.inputs).toEqual({ width: 64, height: 64, batch_size: 1, color: 255 });
    expect(result.prompt['4']?.inputs.width).toBe(64);
    expect(result.prompt['3']?.inputs.filename_prefix).toBe('pattern');
    expect(result.prompt['2']?.inputs.image).toEqual(['1', 0]);
    expect(template['1']?.inputs.width).toBe(256);
  });

  it('draws x-random knobs within bounds when left out, and reports the values used', () => {
    const result = applyParams(template, schema, { size: 8 }, { random: () => 0.5 });
    expect(result.ok && result.values).toEqual({ size: 8, color: 8388608 });
    const top = applyParams(template, schema, { size: 8 }, { random: () => 0.9999999999 });
    expect(top.ok && top.prompt['1']?.inputs.color).toBe(16777215);
  });

  it('refuses unknown knobs (additionalProperties: false), missing ones and out-of-bounds values', () => {
    const result = applyParams(template, schema, { size: 1030, colour: 1, prefix: '' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const byParam = Object.fromEntries(result.errors.map((e) => [`${e.param}:${e.keyword}`, e.message]));
    expect(byParam).toMatchObject({
      'colour:additionalProperties': 'colour is not a parameter of this template',
      'size:maximum': 'size must be <= 1024',
      'size:multipleOf': 'size must be multiple of 8',
      'prefix:minLength': 'prefix must NOT have fewer than 1 characters',
    });
    const missing = applyParams(template, schema, {});
    expect(!missing.ok && missing.errors).toEqual([
      { param: 'size', path: '', keyword: 'required', message: 'size is required' },
    ]);
    expect(applyParams(template, schema, 'size=8').ok).toBe(false);
  });

  it('refuses to patch a link', () => {
    const rewiring: ParamSchema = {
      type: 'object',
      additionalProperties: false,
      properties: { source: { type: 'string', 'x-patch': [{ node: '2', input: 'image' }] } },
    };
    const result = applyParams(template, rewiring, { source: 'x' });
    expect(!result.ok && result.errors[0]?.keyword).toBe('x-patch');
  });
});

describe('checkParamContract', () => {
  it('accepts a sound contract', () => {
    expect(checkParamContract(template, schema)).toEqual([]);
  });

  it('explains what does not fit', () => {
    const broken = {
      type: 'object',
      properties: {
        a: { type: 'integer', 'x-patch': [{ node: '9', input: 'width' }] },
        b: { type: 'integer', 'x-patch': [{ node: '1', input: 'depth' }] },
        c: { type: 'string', 'x-patch': [{ node: '2', input: 'image' }] },
        d: { type: 'string' },
        e: { type: 'string', 'x-random': true, 'x-patch': [{ node: '3', input: 'filename_prefix' }] },
        f: { type: 'integer', default: 512, 'x-patch': [{ node: '1', input: 'width' }] },
      },
    };
    expect(checkParamContract(template, broken)).toEqual([
      'the parameter schema must set "additionalProperties": false so unknown knobs are refused',
      'parameter "a" patches node "9", which the template does not have',
      'parameter "b" patches "depth" of node "1" (EmptyImage), which has no such input',
      'parameter "c" would replace the link into "image" of node "2"; contracts patch values, not links',
      'parameter "d" has no "x-patch" targets',
      'parameter "e": "x-random" is only allowed on integer parameters',
      'parameter "f" declares default 512 but the template holds 256',
    ]);
    expect(
      checkParamContract(template, { type: 'object', properties: { a: { 'x-patch': [{ node: 1 }] } } })[0],
    ).toContain('the parameter schema is invalid');
  });
});
