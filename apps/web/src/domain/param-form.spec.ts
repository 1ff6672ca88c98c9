import type { ComfyParamTarget, ComfyUploadResponse } from '@atelier/contract';
import { describe, expect, it } from 'vitest';
import type { ComfyObjectInfo } from '../types/comfy';
import { fieldProblems, fieldsOf, initialValues, toRunParams } from './param-form';

const objectInfo: ComfyObjectInfo = {
  CheckpointLoaderSimple: { input: { required: { ckpt_name: [['sdxl.safetensors', 'sd15.ckpt'], {}] } } },
  KSampler: {
    input: {
      required: {
        seed: ['INT', { default: 0, min: 0, max: Number.MAX_SAFE_INTEGER }],
        steps: ['INT', { default: 20, min: 1, max: 10000 }],
        cfg: ['FLOAT', { default: 8, min: 0, max: 100, step: 0.1, round: 0.01 }],
        sampler_name: [['euler', 'dpmpp_2m', 'ddim'], {}],
        scheduler: ['COMBO', { options: ['normal', 'karras'] }],
      },
    },
  },
  KSamplerAdvanced: { input: { required: { sampler_name: [['euler', 'ddim'], {}] } } },
  CLIPTextEncode: { input: { required: { text: ['STRING', { multiline: true }] } } },
  LoadImage: { input: { required: { image: [['a.png'], { image_upload: true }] } } },
  LoraLoader: { input: { required: { lora_name: [['detail.safetensors'], {}] } } },
  SaveImage: { input: { required: { filename_prefix: ['STRING', { default: 'ComfyUI' }] } } },
};

const t = (node: string, class_type: string | null, input: string): ComfyParamTarget => ({
  node,
  class_type,
  input,
});

const schema = {
  type: 'object',
  additionalProperties: false,
  required: ['prompt'],
  properties: {
    prompt: { type: 'string', default: 'a cat', description: 'What to draw', 'x-patch': [] },
    seed: { type: 'integer', minimum: 0, maximum: 4294967295, 'x-random': true, default: 1 },
    steps: { type: 'integer', minimum: 1, maximum: 50, default: 20 },
    cfg: { type: 'number', exclusiveMinimum: 0, default: 7 },
    sampler: { type: 'string', default: 'euler' },
    scheduler: { type: 'string', enum: ['normal', 'karras'], default: 'normal' },
    checkpoint: { type: 'string', title: 'Model', default: 'sdxl.safetensors' },
    image: { type: 'string', default: 'a.png' },
    prefix: { type: 'string', default: 'out' },
    hires: { type: 'boolean', default: false },
  },
};
const targets: Record<string, ComfyParamTarget[]> = {
  prompt: [t('6', 'CLIPTextEncode', 'text')],
  seed: [t('3', 'KSampler', 'seed')],
  steps: [t('3', 'KSampler', 'steps')],
  cfg: [t('3', 'KSampler', 'cfg')],
  sampler: [t('3', 'KSampler', 'sampler_name'), t('8', 'KSamplerAdvanced', 'sampler_name')],
  scheduler: [t('3', 'KSampler', 'scheduler')],
  checkpoint: [t('4', 'CheckpointLoaderSimple', 'ckpt_name')],
  image: [t('10', 'LoadImage', 'image')],
  prefix: [t('9', 'SaveImage', 'filename_prefix')],
  hires: [t('11', 'Switch', 'on')],
};

const byName = (fields: ReturnType<typeof fieldsOf>) => new Map(fields.map((f) => [f.name, f]));

describe('fieldsOf', () => {
  it('reads each knob into a field: kinds, bounds, steps, defaults, labels and descriptions', () => {
    const fields = byName(fieldsOf(schema, targets, objectInfo));
    expect([...fields.keys()]).toEqual(Object.keys(schema.properties));
    expect(fields.get('prompt')).toMatchObject({
      kind: 'text',
      multiline: true,
      required: true,
      label: 'Prompt',
      description: 'What to draw',
      default: 'a cat',
    });
    expect(fields.get('seed')).toMatchObject({ kind: 'seed', min: 0, max: 4294967295, step: 1 });
    expect(fields.get('steps')).toMatchObject({ kind: 'integer', min: 1, max: 50, step: 1, default: 20 });
    // The contract leaves the top open: the input's own bound and step fill it.
    expect(fields.get('cfg')).toMatchObject({ kind: 'number', min: 0, max: 100, step: 0.1 });
    expect(fields.get('hires')).toMatchObject({ kind: 'boolean', default: false, required: false });
    expect(fields.get('prefix')).toMatchObject({ kind: 'text', multiline: false, options: [] });
  });

  it('fills combos from object_info (checkpoints, samplers: what every target takes) and keeps enums', () => {
    const fields = byName(fieldsOf(schema, targets, objectInfo));
    expect(fields.get('checkpoint')).toMatchObject({
      kind: 'combo',
      label: 'Model',
      options: ['sdxl.safetensors', 'sd15.ckpt'],
    });
    expect(fields.get('sampler')).toMatchObject({ kind: 'combo', options: ['euler', 'ddim'] });
    expect(fields.get('scheduler')).toMatchObject({ kind: 'enum', options: ['normal', 'karras'] });
    const lora = fieldsOf(
      { properties: { lora: { type: 'string' } } },
      { lora: [t('12', 'LoraLoader', 'lora_name')] },
      objectInfo,
    );
    expect(lora[0]).toMatchObject({ kind: 'combo', options: ['detail.safetensors'] });
  });

  it('takes an image input for the upload widget (LoadImage, or any input marked image_upload)', () => {
    expect(byName(fieldsOf(schema, targets, objectInfo)).get('image')?.kind).toBe('image');
    const custom = fieldsOf(
      { properties: { picture: { type: 'string' } } },
      { picture: [t('1', 'MyImageLoader', 'picture')] },
      { MyImageLoader: { input: { optional: { picture: [[], { image_upload: true }] } } } },
    );
    expect(custom[0]?.kind).toBe('image');
    // Without object_info a LoadImage input is still an image; other strings are plain text.
    const bare = byName(fieldsOf(schema, targets, null));
    expect([bare.get('image')?.kind, bare.get('checkpoint')?.kind, bare.get('cfg')?.max]).toEqual([
      'image',
      'text',
      null,
    ]);
  });

  it("takes the template's own value as the default where the contract has none (not a link)", () => {
    const prompt = {
      '3': { class_type: 'KSampler', inputs: { steps: 12, sampler_name: 'ddim', model: ['4', 0] } },
    };
    const fields = byName(
      fieldsOf(
        { properties: { steps: { type: 'integer', default: 20 }, sampler: { type: 'string' }, model: {} } },
        {
          steps: [t('3', 'KSampler', 'steps')],
          sampler: [t('3', 'KSampler', 'sampler_name')],
          model: [t('3', 'KSampler', 'model')],
        },
        objectInfo,
        prompt,
      ),
    );
    expect([
      fields.get('steps')?.default,
      fields.get('sampler')?.default,
      fields.get('model')?.default,
    ]).toEqual([20, 'ddim', undefined]);
  });

  it('makes exclusive bounds inclusive for integers and survives a malformed contract', () => {
    const [field] = fieldsOf(
      { properties: { n: { type: 'integer', exclusiveMinimum: 0, exclusiveMaximum: 10 } } },
      {},
      null,
    );
    expect(field).toMatchObject({ min: 1, max: 9 });
    expect(fieldsOf({ properties: 'nope' }, {}, null)).toEqual([]);
    expect(fieldsOf({ properties: { a: 3 } }, {}, null)).toEqual([]);
  });
});

describe('values', () => {
  const fields = fieldsOf(schema, targets, objectInfo);
  const upload = { image: 'atelier/atelier-0123456789abcdef.png' } as ComfyUploadResponse;

  it('start at the defaults; seeds and images start empty', () => {
    expect(initialValues(fields)).toMatchObject({
      prompt: 'a cat',
      seed: null,
      steps: 20,
      scheduler: 'normal',
      image: null,
      hires: false,
    });
  });

  it('turn into run params: numbers as numbers, the upload by name, empty fields left out', () => {
    const values = {
      ...initialValues(fields),
      steps: '30',
      cfg: '6.5',
      seed: '',
      image: upload,
      prefix: '',
    };
    expect(toRunParams(fields, values)).toEqual({
      prompt: 'a cat',
      steps: 30,
      cfg: 6.5,
      sampler: 'euler',
      scheduler: 'normal',
      checkpoint: 'sdxl.safetensors',
      image: upload.image,
      hires: false,
    });
    expect(toRunParams(fields, { ...values, seed: 42 })).toMatchObject({ seed: 42 });
  });

  it('are checked against the bounds and the required knobs before sending', () => {
    expect(fieldProblems(fields, initialValues(fields))).toEqual({});
    expect(
      fieldProblems(fields, { ...initialValues(fields), prompt: '', steps: 51, seed: 1.5, cfg: 'x' }),
    ).toEqual({
      prompt: 'Required',
      steps: 'At most 50',
      seed: 'Enter a whole number',
      cfg: 'Enter a number',
    });
    expect(fieldProblems(fields, { ...initialValues(fields), steps: 0 })).toEqual({ steps: 'At least 1' });
  });
});
