import type { ComfyTemplateProblem, ComfyWorkflowTemplate } from '@atelier/contract';
import { describe, expect, it } from 'vitest';
import { describeProblem, healthOf, runnableFor } from './template-health';

const problem = (fields: Partial<ComfyTemplateProblem>): ComfyTemplateProblem => ({
  node_id: '4',
  class_type: 'CheckpointLoaderSimple',
  kind: 'value_not_in_list',
  message: 'raw message',
  ...fields,
});

const template = (name: string, problems: ComfyTemplateProblem[] = []): ComfyWorkflowTemplate => ({
  id: `workflow/${name}`,
  name,
  version: 'abcdefabcdef',
  origin: 'file',
  title: name,
  description: '',
  params: {},
  targets: {},
  broken: problems.length > 0,
  problems,
});

describe('describeProblem', () => {
  it('says what is missing in words', () => {
    expect(describeProblem(problem({ kind: 'missing_class', class_type: 'FancyNode', node_id: '1' }))).toBe(
      'missing node class FancyNode (node 1)',
    );
    expect(describeProblem(problem({ input: 'ckpt_name', value: 'v1-5.ckpt' }))).toBe(
      'model "v1-5.ckpt" is gone (ckpt_name on CheckpointLoaderSimple (node 4))',
    );
    expect(
      describeProblem(problem({ class_type: 'LoraLoader', input: 'lora_name', value: 'detail.safetensors' })),
    ).toMatch(/^model "detail.safetensors" is gone/);
    expect(
      describeProblem(
        problem({ class_type: 'KSampler', node_id: '3', input: 'sampler_name', value: 'euler_x' }),
      ),
    ).toBe('value "euler_x" no longer offered (sampler_name on KSampler (node 3))');
    expect(describeProblem(problem({ kind: 'unknown_input', input: 'strength' }))).toBe(
      'CheckpointLoaderSimple (node 4) has no input strength any more',
    );
    expect(describeProblem(problem({ kind: 'missing_input', input: 'vae' }))).toBe(
      'CheckpointLoaderSimple (node 4) now needs the input vae',
    );
    expect(describeProblem(problem({ kind: 'bad_link', class_type: null }))).toBe('node 4: raw message');
  });
});

describe('healthOf', () => {
  it('is ok, broken with reasons, or unchecked when ComfyUI could not be asked', () => {
    expect(healthOf(template('a'), '2025-01-01T00:00:00Z')).toEqual({
      state: 'ok',
      label: 'OK',
      problems: [],
    });
    expect(healthOf(template('a'), null).state).toBe('unchecked');
    const broken = healthOf(template('b', [problem({ kind: 'missing_class', class_type: 'X' })]), null);
    expect(broken).toEqual({ state: 'broken', label: 'Broken', problems: ['missing node class X (node 4)'] });
  });
});

describe('runnableFor', () => {
  it('keeps broken templates out of plain users’ pickers and shows them to curators and admins', () => {
    const items = [template('ok'), template('broken', [problem({})])];
    expect(runnableFor(items, 'user').map((t) => t.name)).toEqual(['ok']);
    expect(runnableFor(items, 'curator').map((t) => t.name)).toEqual(['ok', 'broken']);
    expect(runnableFor(items, 'admin')).toHaveLength(2);
  });
});
