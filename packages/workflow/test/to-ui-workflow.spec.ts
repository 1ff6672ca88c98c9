import { describe, expect, it } from 'vitest';

import { apiPromptToUiWorkflow, convertUiWorkflow, type ApiPrompt } from '../src/index.js';
import { goldenPairs, pairsObjectInfo } from './golden-pairs.js';

const objectInfo = pairsObjectInfo();
const pairs = goldenPairs();

describe('apiPromptToUiWorkflow', () => {
  for (const pair of pairs) {
    it(`${pair.file}: the prompt → a UI workflow → the same prompt again`, () => {
      const prompt = pair.output as ApiPrompt;
      const workflow = apiPromptToUiWorkflow(prompt, objectInfo);
      expect(workflow.nodes).toHaveLength(Object.keys(prompt).length);
      const back = convertUiWorkflow(structuredClone(workflow), objectInfo);
      expect(back.prompt).toEqual(prompt);
      expect(back.warnings).toEqual([]);
    });
  }

  it('lays nodes out in execution order, sources in the first column, and seeds fixed', () => {
    const pair = pairs.find((p) => p.file.startsWith('01_'));
    const workflow = apiPromptToUiWorkflow(pair?.output as ApiPrompt, objectInfo);
    expect(workflow.version).toBe(0.4);
    const byType = new Map(workflow.nodes.map((node) => [node.type, node]));
    const checkpoint = byType.get('CheckpointLoaderSimple');
    const sampler = byType.get('KSampler');
    const save = byType.get('SaveImage');
    expect(checkpoint?.pos[0]).toBeLessThan(sampler?.pos[0] ?? 0);
    expect(sampler?.pos[0]).toBeLessThan(save?.pos[0] ?? 0);
    expect(checkpoint?.order).toBeLessThan(sampler?.order ?? 0);
    // seed, control_after_generate, steps, …
    expect(sampler?.widgets_values[1]).toBe('fixed');
    // Links are 6-tuples whose type is the origin's output type.
    for (const link of workflow.links) expect(link).toHaveLength(6);
    expect(workflow.links.some((link) => link[5] === 'MODEL')).toBe(true);
    expect(workflow.last_link_id).toBe(workflow.links.length);
  });

  it('turns a link into a widget input into a converted widget, and keeps unknown classes', () => {
    const prompt: ApiPrompt = {
      p: { class_type: 'PrimitiveInt', inputs: { value: 7 } },
      1: { class_type: 'EmptyLatentImage', inputs: { width: ['p', 0], height: 512, batch_size: 1 } },
      2: { class_type: 'NoSuchNode', inputs: { latent: ['1', 0], strength: 0.5 } },
    };
    const workflow = apiPromptToUiWorkflow(prompt, objectInfo);
    const latent = workflow.nodes.find((node) => node.type === 'EmptyLatentImage');
    expect(latent?.inputs).toEqual([
      expect.objectContaining({ name: 'width', type: 'INT', widget: { name: 'width' } }),
    ]);
    const unknown = workflow.nodes.find((node) => node.type === 'NoSuchNode');
    expect(unknown?.widgets_values).toEqual([0.5]);
    expect(unknown?.inputs).toEqual([expect.objectContaining({ name: 'latent', type: '*' })]);
    expect(workflow.nodes.map((n) => n.id)).toEqual(['p', 1, 2]);
  });

  it('does not loop on a cycle or links to nodes that are not there', () => {
    const prompt: ApiPrompt = {
      1: { class_type: 'VAEDecode', inputs: { samples: ['2', 0], vae: ['9', 0] } },
      2: { class_type: 'VAEEncode', inputs: { pixels: ['1', 0], vae: ['9', 0] } },
    };
    const workflow = apiPromptToUiWorkflow(prompt, objectInfo);
    expect(workflow.nodes).toHaveLength(2);
    expect(workflow.links).toHaveLength(2);
  });
});
