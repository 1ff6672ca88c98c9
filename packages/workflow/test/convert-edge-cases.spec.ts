import { describe, expect, it } from 'vitest';

import {
  checkPromptAgainstObjectInfo,
  convertUiWorkflow,
  isApiPrompt,
  isUiWorkflow,
  toApiPrompt,
  WorkflowConversionError,
  type ConversionIssue,
  type ObjectInfo,
} from '../src/index.js';
import { goldenPairs, pairsObjectInfo } from './golden-pairs.js';
import { UiBuilder } from './ui-builder.js';

const objectInfo = pairsObjectInfo();
const ksamplerWidgets = [5, 'randomize', 20, 8, 'euler', 'normal', 1];

function issuesOf(run: () => unknown): ConversionIssue[] {
  try {
    run();
  } catch (error) {
    if (error instanceof WorkflowConversionError) return error.issues;
    throw error;
  }
  throw new Error('expected a WorkflowConversionError');
}

const json = (value: unknown) => JSON.stringify(value);

describe('bypassed nodes (mode 4)', () => {
  it('are skipped along a chain, the consumer reading the first active source', () => {
    const workflow = new UiBuilder(objectInfo)
      .node(1, 'EmptyImage', { widgets: [64, 64, 1, 0] })
      .node(2, 'ImageInvert', { widgets: [], mode: 4 })
      .node(3, 'ImageBlur', { widgets: [2, 1.5], mode: 4 })
      .node(4, 'SaveImage', { widgets: ['chain'], properties: {} })
      .link(1, 0, 2, 'image', 'IMAGE')
      .link(2, 0, 3, 'image', 'IMAGE')
      .link(3, 0, 4, 'images', 'IMAGE')
      .build();
    const { prompt } = convertUiWorkflow(workflow, objectInfo);
    expect(json(prompt)).toBe(
      json({
        '1': { inputs: { width: 64, height: 64, batch_size: 1, color: 0 }, class_type: 'EmptyImage' },
        '4': { inputs: { filename_prefix: 'chain', images: ['1', 0] }, class_type: 'SaveImage' },
      }),
    );
  });

  it('pass on the input whose type matches the consumer input (a bypassed LoRA passes model and clip)', () => {
    const workflow = new UiBuilder(objectInfo)
      .node(4, 'CheckpointLoaderSimple', { widgets: ['model.safetensors'] })
      .node(10, 'LoraLoader', { widgets: ['style.safetensors', 0.8, 0.8], mode: 4 })
      .node(3, 'KSampler', { widgets: ksamplerWidgets })
      .node(6, 'CLIPTextEncode', { widgets: ['hello'] })
      .link(4, 0, 10, 'model', 'MODEL')
      .link(4, 1, 10, 'clip', 'CLIP')
      .link(10, 0, 3, 'model', 'MODEL')
      .link(10, 1, 6, 'clip', 'CLIP')
      .build();
    const { prompt } = convertUiWorkflow(workflow, objectInfo);
    expect(prompt['10']).toBeUndefined();
    expect(prompt['3']?.inputs.model).toEqual(['4', 0]);
    expect(prompt['6']?.inputs).toEqual({ text: 'hello', clip: ['4', 1] });
  });

  it('drop the input (with a warning) when they have no input of the consumer type', () => {
    const workflow = new UiBuilder(objectInfo)
      .node(1, 'LoadImage', { widgets: ['example.png', 'image'], mode: 4 })
      .node(2, 'ImageInvert', { widgets: [] })
      .node(3, 'PreviewImage', { widgets: [] })
      .link(1, 0, 2, 'image', 'IMAGE')
      .link(2, 0, 3, 'images', 'IMAGE')
      .build();
    const { prompt, warnings } = convertUiWorkflow(workflow, objectInfo);
    expect(prompt['2']?.inputs).toEqual({});
    expect(warnings).toContainEqual(
      expect.objectContaining({ nodeId: '2', message: expect.stringContaining('bypassed') as unknown }),
    );
  });

  it('are resolved between Reroutes', () => {
    const workflow = new UiBuilder(objectInfo)
      .node(1, 'EmptyImage', { widgets: [8, 8, 1, 0] })
      .reroute(2)
      .node(3, 'ImageInvert', { widgets: [], mode: 4 })
      .reroute(4)
      .node(5, 'SaveImage', { widgets: ['x'], properties: {} })
      .link(1, 0, 2, '', 'IMAGE')
      .link(2, 0, 3, 'image', 'IMAGE')
      .link(3, 0, 4, '', 'IMAGE')
      .link(4, 0, 5, 'images', 'IMAGE')
      .build();
    const { prompt } = convertUiWorkflow(workflow, objectInfo);
    expect(Object.keys(prompt)).toEqual(['1', '5']);
    expect(prompt['5']?.inputs.images).toEqual(['1', 0]);
  });
});

describe('Reroute chains', () => {
  it('resolve to the real origin through several Reroutes, also when one fans out', () => {
    const workflow = new UiBuilder(objectInfo)
      .node(1, 'EmptyImage', { widgets: [8, 8, 1, 0] })
      .reroute(2)
      .reroute(3)
      .reroute(4)
      .node(5, 'SaveImage', { widgets: ['a'], properties: {} })
      .node(6, 'PreviewImage', { widgets: [] })
      .link(1, 0, 2, '', 'IMAGE')
      .link(2, 0, 3, '', '*')
      .link(3, 0, 4, '', '*')
      .link(4, 0, 5, 'images', 'IMAGE')
      .link(3, 0, 6, 'images', 'IMAGE')
      .build();
    const { prompt } = convertUiWorkflow(workflow, objectInfo);
    expect(prompt['5']?.inputs.images).toEqual(['1', 0]);
    expect(prompt['6']?.inputs.images).toEqual(['1', 0]);
    expect(Object.keys(prompt)).toEqual(['1', '5', '6']);
  });

  it('refuse a loop of Reroutes', () => {
    const workflow = new UiBuilder(objectInfo)
      .reroute(2)
      .reroute(3)
      .node(5, 'PreviewImage', { widgets: [] })
      .link(2, 0, 3, '', '*')
      .link(3, 0, 2, '', '*')
      .link(3, 0, 5, 'images', 'IMAGE')
      .build();
    expect(issuesOf(() => convertUiWorkflow(workflow, objectInfo))).toContainEqual(
      expect.objectContaining({ nodeId: '5', reason: expect.stringContaining('loop') as unknown }),
    );
  });
});

describe('muted nodes (mode 2)', () => {
  it('are left out; what reads them loses that input, with a warning', () => {
    const workflow = new UiBuilder(objectInfo)
      .node(1, 'EmptyImage', { widgets: [8, 8, 1, 0], mode: 2 })
      .node(2, 'SaveImage', { widgets: ['x'], properties: {} })
      .link(1, 0, 2, 'images', 'IMAGE')
      .build();
    const { prompt, warnings } = convertUiWorkflow(workflow, objectInfo);
    expect(json(prompt)).toBe(json({ '2': { inputs: { filename_prefix: 'x' }, class_type: 'SaveImage' } }));
    expect(warnings.map((w) => w.message)).toContainEqual(expect.stringContaining('muted'));
  });

  it('a muted output node simply is not in the prompt', () => {
    const workflow = new UiBuilder(objectInfo)
      .node(1, 'EmptyImage', { widgets: [8, 8, 1, 0] })
      .node(2, 'ImageInvert', { widgets: [] })
      .node(3, 'SaveImage', { widgets: ['x'], properties: {}, mode: 2 })
      .node(4, 'PreviewImage', { widgets: [] })
      .link(1, 0, 2, 'image', 'IMAGE')
      .link(2, 0, 3, 'images', 'IMAGE')
      .link(2, 0, 4, 'images', 'IMAGE')
      .build();
    const { prompt } = convertUiWorkflow(workflow, objectInfo);
    expect(Object.keys(prompt)).toEqual(['1', '2', '4']);
  });

  it('a muted node of a class the server lacks is no error', () => {
    const workflow = new UiBuilder(objectInfo)
      .node(1, 'EmptyImage', { widgets: [8, 8, 1, 0] })
      .node(2, 'SomeCustomNode', { widgets: [1, 2], mode: 2 })
      .node(3, 'PreviewImage', { widgets: [] })
      .link(1, 0, 3, 'images', 'IMAGE')
      .build();
    expect(Object.keys(convertUiWorkflow(workflow, objectInfo).prompt)).toEqual(['1', '3']);
  });
});

describe('PrimitiveNode and converted widgets', () => {
  it('a primitive feeding several nodes sets each widget, in the widget position', () => {
    const workflow = new UiBuilder(objectInfo)
      .primitive(10, [77, 'fixed'], 'INT')
      .node(3, 'KSampler', { widgets: ksamplerWidgets, convert: ['seed'] })
      .node(8, 'RandomNoise', { widgets: [1, 'increment'], convert: ['noise_seed'] })
      .link(10, 0, 3, 'seed', 'INT')
      .link(10, 0, 8, 'noise_seed', 'INT')
      .build();
    const { prompt } = convertUiWorkflow(workflow, objectInfo);
    expect(json(prompt)).toBe(
      json({
        '3': {
          inputs: { seed: 77, steps: 20, cfg: 8, sampler_name: 'euler', scheduler: 'normal', denoise: 1 },
          class_type: 'KSampler',
        },
        '8': { inputs: { noise_seed: 77 }, class_type: 'RandomNoise' },
      }),
    );
  });

  it('runs the target widget callback: FLOAT rounding with its floating-point artefact', () => {
    const workflow = new UiBuilder(objectInfo)
      .primitive(10, [0.7], 'FLOAT')
      .node(3, 'KSampler', { widgets: ksamplerWidgets, convert: ['denoise'] })
      .link(10, 0, 3, 'denoise', 'FLOAT')
      .build();
    // The frontend computes Math.round((0.7 + EPSILON) / 0.01) * 0.01.
    expect(convertUiWorkflow(workflow, objectInfo).prompt['3']?.inputs.denoise).toBe(0.7000000000000001);
  });

  it('reaches its targets through Reroutes', () => {
    const workflow = new UiBuilder(objectInfo)
      .primitive(10, ['a cat on a mat'], 'STRING')
      .reroute(11)
      .node(6, 'CLIPTextEncode', { widgets: ['old text'], convert: ['text'] })
      .link(10, 0, 11, '', 'STRING')
      .link(11, 0, 6, 'text', 'STRING')
      .build();
    expect(json(convertUiWorkflow(workflow, objectInfo).prompt)).toBe(
      json({ '6': { inputs: { text: 'a cat on a mat' }, class_type: 'CLIPTextEncode' } }),
    );
  });

  it('a converted widget linked to a real node becomes a link, keeping its place among the widgets', () => {
    const info: ObjectInfo = {
      ...objectInfo,
      IntSource: { input: { required: {} }, output: ['INT'], output_name: ['INT'], name: 'IntSource' },
    };
    const workflow = new UiBuilder(info)
      .node(9, 'IntSource', { widgets: [] })
      .node(1, 'EmptyImage', { widgets: [64, 48, 1, 0], convert: ['height'] })
      .node(2, 'PreviewImage', { widgets: [] })
      .link(9, 0, 1, 'height', 'INT')
      .link(1, 0, 2, 'images', 'IMAGE')
      .build();
    const { prompt } = convertUiWorkflow(workflow, info);
    expect(json(prompt['1'])).toBe(
      json({ inputs: { width: 64, height: ['9', 0], batch_size: 1, color: 0 }, class_type: 'EmptyImage' }),
    );
  });

  it('a converted widget left unconnected is not sent, with a warning', () => {
    const workflow = new UiBuilder(objectInfo)
      .node(1, 'EmptyImage', { widgets: [64, 48, 1, 0], convert: ['width'] })
      .build();
    const { prompt, warnings } = convertUiWorkflow(workflow, objectInfo);
    expect(json(prompt['1']?.inputs)).toBe(json({ height: 48, batch_size: 1, color: 0 }));
    expect(warnings).toContainEqual(expect.objectContaining({ nodeId: '1', nodeType: 'EmptyImage' }));
  });

  it('a primitive linked to a plain socket is refused', () => {
    const workflow = new UiBuilder(objectInfo)
      .primitive(10, [1], 'INT')
      .node(2, 'ImageInvert', { widgets: [] })
      .link(10, 0, 2, 'image', 'INT')
      .build();
    expect(issuesOf(() => convertUiWorkflow(workflow, objectInfo))).toContainEqual(
      expect.objectContaining({ nodeId: '10', nodeType: 'PrimitiveNode' }),
    );
  });
});

describe('widgets', () => {
  it('LoadImage sends its upload button as the frontend does', () => {
    const workflow = new UiBuilder(objectInfo)
      .node(1, 'LoadImage', { widgets: ['example.png', 'image'] })
      .node(2, 'PreviewImage', { widgets: [] })
      .link(1, 0, 2, 'images', 'IMAGE')
      .build();
    const { prompt } = convertUiWorkflow(workflow, objectInfo);
    expect(json(prompt['1'])).toBe(
      json({ inputs: { image: 'example.png', upload: 'image' }, class_type: 'LoadImage' }),
    );
    expect(checkPromptAgainstObjectInfo(prompt, objectInfo)).toEqual([]);
  });

  it('maps widgets_values saved as an object by name, in widget order', () => {
    const workflow = new UiBuilder(objectInfo)
      .node(1, 'EmptyImage', { widgets: { color: 5, width: 64, height: 32, batch_size: 2 } })
      .build();
    expect(json(convertUiWorkflow(workflow, objectInfo).prompt['1']?.inputs)).toBe(
      json({ width: 64, height: 32, batch_size: 2, color: 5 }),
    );
  });

  it('refuses an object widgets_values that lacks a widget', () => {
    const workflow = new UiBuilder(objectInfo)
      .node(1, 'EmptyImage', { widgets: { width: 64, height: 32 } })
      .build();
    const issues = issuesOf(() => convertUiWorkflow(workflow, objectInfo));
    expect(issues).toHaveLength(1);
    expect(issues[0]).toMatchObject({ nodeId: '1', nodeType: 'EmptyImage' });
    expect(issues[0]?.reason).toContain('"batch_size", "color"');
  });

  it('refuses widgets_values that do not line up (no control value after the seed)', () => {
    const workflow = new UiBuilder(objectInfo)
      .node(3, 'KSampler', { widgets: [42, 20, 8, 'euler', 'normal', 1] })
      .build();
    const issues = issuesOf(() => convertUiWorkflow(workflow, objectInfo));
    expect(issues[0]).toMatchObject({ nodeId: '3', nodeType: 'KSampler' });
    expect(issues.map((i) => i.reason).join(' ')).toContain('control_after_generate');
  });

  it('refuses more widgets_values than the class has widgets', () => {
    const workflow = new UiBuilder(objectInfo).node(1, 'ImageInvert', { widgets: [1] }).build();
    expect(issuesOf(() => convertUiWorkflow(workflow, objectInfo))[0]?.reason).toContain(
      '1 values but ImageInvert has 0',
    );
  });

  it('fills missing trailing values with the UI defaults, with a warning', () => {
    const workflow = new UiBuilder(objectInfo).node(1, 'EmptyImage', { widgets: [64] }).build();
    const { prompt, warnings } = convertUiWorkflow(workflow, objectInfo);
    expect(json(prompt['1']?.inputs)).toBe(json({ width: 64, height: 512, batch_size: 1, color: 0 }));
    expect(warnings[0]?.message).toContain('height, batch_size, color');
  });
});

describe('dynamic prompts and file name replacements', () => {
  it('strips comments and picks {a|b} options in dynamicPrompts text widgets only', () => {
    const workflow = new UiBuilder(objectInfo)
      .node(6, 'CLIPTextEncode', { widgets: ['a {red|blue} apple // note\n/* c */on a table'] })
      .node(9, 'SaveImage', { widgets: ['{a|b}'], properties: {} })
      .build();
    const { prompt } = convertUiWorkflow(workflow, objectInfo, { random: () => 0.99 });
    expect(prompt['6']?.inputs.text).toBe('a blue apple \non a table');
    expect(prompt['9']?.inputs.filename_prefix).toBe('{a|b}');
    const first = convertUiWorkflow(workflow, objectInfo, { random: () => 0 });
    expect(first.prompt['6']?.inputs.text).toBe('a red apple \non a table');
  });

  it('resolves groups one at a time from the first "{" to the first "}", like the v1.4 frontend', () => {
    const workflow = new UiBuilder(objectInfo).node(6, 'CLIPTextEncode', { widgets: ['{a|{b|c}}'] }).build();
    expect(convertUiWorkflow(workflow, objectInfo, { random: () => 0.5 }).prompt['6']?.inputs.text).toBe('b');
  });

  it('refuses a prompt the frontend would loop on forever', () => {
    const workflow = new UiBuilder(objectInfo).node(6, 'CLIPTextEncode', { widgets: ['x } y { z'] }).build();
    expect(issuesOf(() => convertUiWorkflow(workflow, objectInfo))[0]?.nodeId).toBe('6');
  });

  it('replaces %Node.widget% and %date:…% in a save node prefix', () => {
    const workflow = new UiBuilder(objectInfo)
      .node(1, 'EmptyImage', { widgets: [64, 48, 1, 0] })
      .node(2, 'SaveImage', {
        widgets: ['%EmptyImage.width%x%Tall.height%/%date:yyyy-MM-dd%/%nope.x%'],
        properties: {},
      })
      .node(3, 'EmptyImage', { widgets: [8, 99, 1, 0], title: 'Tall', properties: {} })
      .link(1, 0, 2, 'images', 'IMAGE')
      .build();
    const { prompt } = convertUiWorkflow(workflow, objectInfo, { now: () => new Date(2024, 11, 6) });
    expect(prompt['2']?.inputs.filename_prefix).toBe('64x99/2024-12-06/%nope.x%');
  });
});

describe('_meta titles (the frontend dev-mode setting)', () => {
  it('adds custom titles, else the display name, after class_type', () => {
    const pairs = goldenPairs();
    const notes = pairs.find((p) => p.case === '06_note_group_title');
    const basic = pairs.find((p) => p.case === '01_default_workflow');
    const titled = convertUiWorkflow(notes?.workflow, objectInfo, { includeMeta: true }).prompt;
    expect(json(titled['2'])).toBe(
      json({
        inputs: { width: 32, height: 32, batch_size: 1, color: 8421504 },
        class_type: 'EmptyImage',
        _meta: { title: 'Grey square' },
      }),
    );
    const plain = convertUiWorkflow(basic?.workflow, objectInfo, { includeMeta: true }).prompt;
    expect(plain['4']?._meta).toEqual({ title: 'Load Checkpoint' });
    expect(plain['3']?._meta).toEqual({ title: 'KSampler' });
  });
});

describe('what cannot be converted', () => {
  it('names a node whose class the server lacks', () => {
    const workflow = new UiBuilder(objectInfo)
      .node(1, 'EmptyImage', { widgets: [8, 8, 1, 0] })
      .node(5, 'NoSuchNode', { widgets: [] })
      .build();
    expect(issuesOf(() => convertUiWorkflow(workflow, objectInfo))).toEqual([
      {
        nodeId: '5',
        nodeType: 'NoSuchNode',
        reason: 'node type "NoSuchNode" is not installed on the ComfyUI server (missing from object_info)',
      },
    ]);
  });

  it('names group nodes as such', () => {
    const workflow = { ...new UiBuilder(objectInfo).node(1, 'workflow/My group', { widgets: [] }).build() };
    workflow.extra = { groupNodes: { 'My group': { nodes: [] } } };
    expect(issuesOf(() => convertUiWorkflow(workflow, objectInfo))[0]?.reason).toContain('group nodes');
  });

  it('refuses a link to a node that is not in the workflow', () => {
    const workflow = new UiBuilder(objectInfo)
      .node(1, 'EmptyImage', { widgets: [8, 8, 1, 0] })
      .node(2, 'PreviewImage', { widgets: [] })
      .link(1, 0, 2, 'images', 'IMAGE')
      .build();
    (workflow.nodes as { id: number }[]).shift();
    expect(issuesOf(() => convertUiWorkflow(workflow, objectInfo))).toEqual([
      {
        nodeId: '2',
        nodeType: 'PreviewImage',
        reason: 'input "images" is linked to node 1, which is not in the workflow',
      },
    ]);
  });

  it('refuses an input whose link id is not in "links"', () => {
    const workflow = new UiBuilder(objectInfo)
      .node(1, 'EmptyImage', { widgets: [8, 8, 1, 0] })
      .node(2, 'PreviewImage', { widgets: [] })
      .link(1, 0, 2, 'images', 'IMAGE')
      .build();
    workflow.links = [];
    expect(issuesOf(() => convertUiWorkflow(workflow, objectInfo))[0]?.reason).toContain('refers to link 1');
  });

  it('refuses what is not a UI workflow, and a workflow where nothing would run', () => {
    expect(
      issuesOf(() => convertUiWorkflow({ '1': { class_type: 'EmptyImage' } }, objectInfo))[0]?.reason,
    ).toContain('not a UI workflow');
    const onlyNote = { nodes: [{ id: 1, type: 'Note', mode: 0, widgets_values: ['hi'] }], links: [] };
    expect(issuesOf(() => convertUiWorkflow(onlyNote, objectInfo))[0]?.reason).toContain(
      'no node that would run',
    );
  });
});

describe('format detection', () => {
  it('tells UI workflows from API prompts', () => {
    for (const pair of goldenPairs()) {
      expect(isUiWorkflow(pair.workflow)).toBe(true);
      expect(isApiPrompt(pair.workflow)).toBe(false);
      expect(isApiPrompt(pair.output)).toBe(true);
      expect(isUiWorkflow(pair.output)).toBe(false);
    }
    expect(isApiPrompt({})).toBe(false);
    expect(isApiPrompt({ '1': { inputs: {} } })).toBe(false);
    expect(isUiWorkflow({ nodes: [{ id: 1 }] })).toBe(false);
    expect(isUiWorkflow(null)).toBe(false);
  });
});

describe('toApiPrompt', () => {
  it('passes API prompts through, converts UI workflows, refuses anything else', () => {
    const [pair] = goldenPairs();
    expect(toApiPrompt(pair?.output, objectInfo)).toEqual({
      format: 'api',
      prompt: pair?.output,
      warnings: [],
    });
    const converted = toApiPrompt(pair?.workflow, objectInfo);
    expect(converted.format).toBe('ui');
    expect(json(converted.prompt)).toBe(json(pair?.output));
    expect(issuesOf(() => toApiPrompt([1, 2], objectInfo))[0]?.reason).toContain('neither an API prompt');
  });
});

describe('LoadImage saved without the upload button value', () => {
  it('still sends upload: "image" and warns about nothing', () => {
    const workflow = new UiBuilder(objectInfo).node(1, 'LoadImage', { widgets: ['example.png'] }).build();
    const { prompt, warnings } = convertUiWorkflow(workflow, objectInfo);
    expect(json(prompt['1']?.inputs)).toBe(json({ image: 'example.png', upload: 'image' }));
    expect(warnings).toEqual([]);
  });
});
