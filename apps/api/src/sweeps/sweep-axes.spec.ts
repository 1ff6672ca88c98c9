import type { SweepBase } from '@atelier/contract';
import { describe, expect, it } from 'vitest';
import { AppError } from '../common/app-error.js';
import { checkSweepAxes, expandSweep, type SweepAxisInput } from './sweep-axes.js';

const base: SweepBase = { kind: 'txt2img', params: { caption: 'a red fox in snow', steps: 4 } };

function refusal(run: () => unknown): AppError {
  try {
    run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('checkSweepAxes', () => {
  it('accepts lists and a seed range, and counts the jobs', () => {
    const axes = checkSweepAxes([
      { param: 'cfg', values: [4, 7.5] },
      { param: 'seed', from: 10, count: 3 },
    ]);
    expect(axes).toEqual([
      { param: 'cfg', values: [4, 7.5] },
      { param: 'seed', from: 10, count: 3 },
    ]);
  });

  it('names the axis and field of each bad value', () => {
    const cases: [SweepAxisInput[], string][] = [
      [[{ param: 'denoise', values: [1] }], 'axes.0.param'],
      [
        [
          { param: 'cfg', values: [4] },
          { param: 'steps', values: [0] },
        ],
        'axes.1.values',
      ],
      [[{ param: 'cfg', values: [21] }], 'axes.0.values'],
      [[{ param: 'steps', values: [2.5] }], 'axes.0.values'],
      [[{ param: 'seed', values: [-1] }], 'axes.0.values'],
      [[{ param: 'seed', from: 1.5, count: 2 }], 'axes.0.from'],
      [[{ param: 'seed', from: 1, count: 0 }], 'axes.0.count'],
      [[{ param: 'seed', from: Number.MAX_SAFE_INTEGER, count: 2 }], 'axes.0.count'],
      [[{ param: 'sampler', values: ['euler', 'euler'] }], 'axes.0.values'],
      [[{ param: 'sampler', values: [3] }], 'axes.0.values'],
      [[{ param: 'checkpoint', values: [] }], 'axes.0.values'],
      [[{ param: 'lora_weight', values: [0.5] }], 'axes.0.lora'],
      [[{ param: 'prompt', search: '', values: ['x'] }], 'axes.0.search'],
      [[{ param: 'cfg', values: [4], lora: 'x' }], 'axes.0.lora'],
      [
        [
          { param: 'cfg', values: [4] },
          { param: 'cfg', values: [5] },
        ],
        'axes.1.param',
      ],
      [[], 'axes'],
    ];
    for (const [axes, field] of cases) {
      const error = refusal(() => checkSweepAxes(axes));
      expect(error.code, JSON.stringify(axes)).toBe('validation_failed');
      expect(Object.keys(error.details as object), JSON.stringify(axes)).toContain(field);
    }
  });

  it('refuses more than 256 jobs with the cap it hit', () => {
    const error = refusal(() =>
      checkSweepAxes([
        { param: 'seed', from: 0, count: 257 },
        // 257 of one axis alone is over; so is 16 × 17.
      ]),
    );
    expect(error.code).toBe('validation_failed');
    const product = refusal(() =>
      checkSweepAxes([
        { param: 'seed', from: 0, count: 16 },
        { param: 'steps', values: Array.from({ length: 17 }, (_, i) => i + 1) },
      ]),
    );
    expect(product.code).toBe('comfy.limit_exceeded');
    expect(product.details).toEqual({ cap: 'sweep_jobs', limit: 256, value: 272 });
    expect(
      checkSweepAxes([
        { param: 'seed', from: 0, count: 16 },
        { param: 'steps', values: Array.from({ length: 16 }, (_, i) => i + 1) },
      ]),
    ).toHaveLength(2);
  });
});

describe('expandSweep', () => {
  it('makes one cell per combination, X fastest, each with its values applied', () => {
    const axes = checkSweepAxes([
      { param: 'cfg', values: [3, 5] },
      { param: 'sampler', values: ['euler', 'dpmpp_2m', 'ddim'] },
    ]);
    const plan = expandSweep(base, axes);
    expect(plan.shape).toEqual([2, 3, 1]);
    expect(plan.cells.map((cell) => [cell.x, cell.y, cell.z])).toEqual([
      [0, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
      [1, 1, 0],
      [0, 2, 0],
      [1, 2, 0],
    ]);
    expect(plan.cells[3]?.base.params).toEqual({
      caption: 'a red fox in snow',
      steps: 4,
      cfg: 5,
      sampler: 'dpmpp_2m',
    });
    expect(base.params).toEqual({ caption: 'a red fox in snow', steps: 4 });
    expect(plan.axes).toEqual([
      { param: 'cfg', title: 'CFG', labels: ['3', '5'], values: [3, 5] },
      {
        param: 'sampler',
        title: 'Sampler',
        labels: ['euler', 'dpmpp_2m', 'ddim'],
        values: ['euler', 'dpmpp_2m', 'ddim'],
      },
    ]);
  });

  it('expands a seed range, replaces prompt text and sets one LoRA weight among others', () => {
    const withLoras: SweepBase = {
      kind: 'txt2img',
      params: {
        caption: 'a red fox, red sky',
        loras: ['a.safetensors', 'b.safetensors'],
        lora_weights: [0.3, 0.9],
      },
    };
    const plan = expandSweep(
      withLoras,
      checkSweepAxes([
        { param: 'prompt', search: 'red', values: ['blue', ''] },
        { param: 'lora_weight', lora: 'b.safetensors', values: [0, 1.5] },
        { param: 'seed', from: 41, count: 2 },
      ]),
    );
    expect(plan.shape).toEqual([2, 2, 2]);
    expect(plan.cells).toHaveLength(8);
    expect(plan.cells[7]?.base.params).toEqual({
      caption: 'a  fox,  sky',
      loras: ['a.safetensors', 'b.safetensors'],
      lora_weights: [0.3, 1.5],
      seed: 42,
    });
    expect(plan.cells[0]?.base.params).toMatchObject({ caption: 'a blue fox, blue sky', seed: 41 });
    expect(plan.axes[0]?.labels).toEqual(['blue', '(empty)']);
    expect(plan.axes[1]?.title).toBe('LoRA b.safetensors');
    expect(plan.axes[2]?.values).toEqual([41, 42]);
  });

  it('adds a LoRA the base does not have, at weight 1 for the others', () => {
    const plan = expandSweep(
      { kind: 'txt2img', params: { caption: 'x', loras: ['a.safetensors'] } },
      checkSweepAxes([{ param: 'lora_weight', lora: 'b.safetensors', values: [0.5] }]),
    );
    expect(plan.cells[0]?.base.params).toMatchObject({
      loras: ['a.safetensors', 'b.safetensors'],
      lora_weights: [1, 0.5],
    });
  });

  it("sets a template's parameters and refuses what does not fit the base", () => {
    const template: SweepBase = { kind: 'template', name: 'basic_txt2img', params: { prompt: 'a cat' } };
    const plan = expandSweep(
      template,
      checkSweepAxes([
        { param: 'steps', values: [2, 3] },
        { param: 'prompt', search: 'cat', values: ['dog'] },
      ]),
    );
    expect(plan.cells[1]?.base).toEqual({
      kind: 'template',
      name: 'basic_txt2img',
      params: { prompt: 'a dog', steps: 3 },
    });
    const lora = refusal(() =>
      expandSweep(template, checkSweepAxes([{ param: 'lora_weight', lora: 'x', values: [1] }])),
    );
    expect(lora.details).toHaveProperty(['axes.0.param']);
    const missing = refusal(() =>
      expandSweep(
        base,
        checkSweepAxes([
          { param: 'cfg', values: [4] },
          { param: 'prompt', search: 'owl', values: ['x'] },
        ]),
      ),
    );
    expect(missing.details).toHaveProperty(['axes.1.search']);
  });
});
