import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  applyParams,
  builtinTxt2ImgTemplate,
  checkPromptAgainstObjectInfo,
  checkTemplate,
  loadTemplateLibrary,
  templatesFrom,
  type ApiPrompt,
} from '../src/index.js';
import { objectInfoWithModels, recordedObjectInfo } from './golden-pairs.js';

const configDir = resolve(import.meta.dirname, '../../../config/comfy');

describe('the shipped configuration', () => {
  it('loads every preset without problems, and each fits a server with the models installed', async () => {
    const library = await loadTemplateLibrary({ root: configDir });
    expect(library.problems).toEqual([]);
    const presets = templatesFrom(library, 'preset');
    expect(presets.map((p) => p.name)).toContain('sample_basic_sdxl');
    for (const preset of presets) {
      expect(checkTemplate({ prompt: preset.prompt, params: preset.params }, objectInfoWithModels())).toEqual(
        [],
      );
    }
  });

  it('loads the workflow library without problems; each template fits, test_pattern even without models', async () => {
    const library = await loadTemplateLibrary({ root: configDir });
    expect(library.problems).toEqual([]);
    const workflows = templatesFrom(library, 'workflow');
    expect(workflows.map((w) => w.name)).toEqual(['basic_txt2img', 'test_pattern']);
    for (const workflow of workflows) expect(checkTemplate(workflow, objectInfoWithModels())).toEqual([]);
    const pattern = workflows.find((w) => w.name === 'test_pattern');
    expect(pattern && checkTemplate(pattern, recordedObjectInfo())).toEqual([]);
    const basic = workflows.find((w) => w.name === 'basic_txt2img');
    // The recording has no checkpoint: the template is flagged broken for it.
    expect(basic && checkTemplate(basic, recordedObjectInfo()).map((p) => p.kind)).toEqual([
      'value_not_in_list',
    ]);
  });

  it('patches a library workflow through its contract', async () => {
    const library = await loadTemplateLibrary({ root: configDir });
    const basic = library.templates.find((t) => t.id === 'workflow/basic_txt2img');
    if (!basic) throw new Error('basic_txt2img missing');
    const result = applyParams(
      basic.prompt,
      basic.params,
      { prompt: 'a red fox', sampler: 'dpmpp_2m' },
      { random: () => 0 },
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.prompt['6']?.inputs.text).toBe('a red fox');
    expect(result.prompt['3']?.inputs).toMatchObject({ sampler_name: 'dpmpp_2m', seed: 0 });
    expect(checkPromptAgainstObjectInfo(result.prompt, objectInfoWithModels())).toEqual([]);
    const wrong = applyParams(basic.prompt, basic.params, { prompt: 'x', sampler: 'magic', width: 100 });
    expect(!wrong.ok && wrong.errors.map((e) => `${e.param}:${e.keyword}`)).toEqual([
      'sampler:enum',
      'width:multipleOf',
    ]);
  });
});

describe('template ids and versions', () => {
  it('names every template <source>/<name>; the built-in txt2img graph is one of them', async () => {
    const library = await loadTemplateLibrary({ root: configDir });
    expect(library.templates.map((t) => t.id)).toEqual([
      'builtin/txt2img',
      'preset/sample_basic_sdxl',
      'workflow/basic_txt2img',
      'workflow/test_pattern',
    ]);
    for (const template of library.templates) expect(template.version).toMatch(/^[0-9a-f]{12}$/);
    expect(library.templates[0]).toBe(builtinTxt2ImgTemplate);
    // Its contract takes the txt2img knobs with the txt2img bounds.
    expect(builtinTxt2ImgTemplate.params.properties.width).toMatchObject({ minimum: 64, multipleOf: 8 });
  });

  it('keeps a version while the files stay the same, and changes it with the graph or the contract', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'atelier-versions-'));
    try {
      await mkdir(join(dir, 'workflows'));
      await mkdir(join(dir, 'params'));
      const prompt = {
        '1': { inputs: { width: 64, height: 64, batch_size: 1, color: 0 }, class_type: 'EmptyImage' },
      };
      const contract = {
        type: 'object',
        additionalProperties: false,
        properties: { width: { type: 'integer', 'x-patch': [{ node: '1', input: 'width' }] } },
      };
      const versionOf = async () => (await loadTemplateLibrary({ root: dir })).templates[1]?.version;
      await writeFile(join(dir, 'workflows/w.api.json'), JSON.stringify(prompt));
      await writeFile(join(dir, 'params/w.schema.json'), JSON.stringify(contract));
      const first = await versionOf();
      expect(await versionOf()).toBe(first);
      await writeFile(
        join(dir, 'params/w.schema.json'),
        JSON.stringify({ ...contract, required: ['width'] }),
      );
      const second = await versionOf();
      expect(second).not.toBe(first);
      prompt['1'].inputs.width = 128;
      await writeFile(join(dir, 'workflows/w.api.json'), JSON.stringify(prompt));
      expect(await versionOf()).not.toBe(second);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('loading files that do not pass', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atelier-workflow-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const prompt: ApiPrompt = {
    '1': { inputs: { width: 64, height: 64, batch_size: 1, color: 0 }, class_type: 'EmptyImage' },
    '2': { inputs: { filename_prefix: 'x', images: ['1', 0] }, class_type: 'SaveImage' },
  };
  const contract = {
    type: 'object',
    additionalProperties: false,
    properties: { width: { type: 'integer', 'x-patch': [{ node: '1', input: 'width' }] } },
  };
  const write = (path: string, value: unknown) =>
    writeFile(join(dir, path), typeof value === 'string' ? value : JSON.stringify(value));

  it('lists each bad preset with its reason and keeps the good ones', async () => {
    await write('good.json', { name: 'good', template: prompt, params: contract });
    await write('broken.json', '{"name": ');
    await write('renamed.json', { name: 'other', template: prompt, params: contract });
    await write('not_a_prompt.json', { name: 'not_a_prompt', template: { nodes: [] }, params: contract });
    await write('typo.json', { name: 'typo', template: prompt, params: contract, defualts: {} });
    await write('open.json', {
      name: 'open',
      template: prompt,
      params: { ...contract, additionalProperties: true },
    });
    const { templates, problems } = await loadTemplateLibrary({ root: join(dir, 'none'), presetsDir: dir });
    expect(templatesFrom({ templates, problems }, 'preset').map((p) => p.name)).toEqual(['good']);
    const byFile = Object.fromEntries(problems.map((p) => [p.file.slice(dir.length + 1), p.message]));
    expect(byFile['broken.json']).toMatch(/^not valid JSON/);
    expect(byFile['renamed.json']).toBe('preset name "other" must match its file name "renamed"');
    expect(byFile['not_a_prompt.json']).toContain('template must be an API-format prompt');
    expect(byFile['typo.json']).toContain('"defualts"');
    expect(byFile['open.json']).toContain('"additionalProperties": false');
    expect(await loadTemplateLibrary({ root: join(dir, 'missing') })).toEqual({
      templates: [builtinTxt2ImgTemplate],
      problems: [],
    });
  });

  it('pairs workflows with contracts and reports strays', async () => {
    await mkdir(join(dir, 'workflows'));
    await mkdir(join(dir, 'params'));
    await write('workflows/ok.api.json', prompt);
    await write('params/ok.schema.json', contract);
    await write('workflows/lonely.api.json', prompt);
    await write('params/orphan.schema.json', contract);
    await write('workflows/plain.json', prompt);
    await write('workflows/bad_target.api.json', prompt);
    await write('params/bad_target.schema.json', {
      ...contract,
      properties: { w: { type: 'integer', 'x-patch': [{ node: '7', input: 'width' }] } },
    });
    const library = await loadTemplateLibrary({ root: dir });
    const { problems } = library;
    expect(templatesFrom(library, 'workflow').map((w) => w.name)).toEqual(['ok']);
    expect(problems.map((p) => [p.file.slice(dir.length + 1), p.message])).toEqual([
      ['params/bad_target.schema.json', 'parameter "w" patches node "7", which the template does not have'],
      ['params/lonely.schema.json', expect.stringContaining('every workflow needs its parameter contract')],
      ['workflows/plain.json', 'workflow files must be named <name>.api.json'],
      ['params/orphan.schema.json', 'no workflow matches this contract (expected workflows/<name>.api.json)'],
    ]);
  });
});

describe('checkTemplate', () => {
  it('flags a template using a missing class, a missing input or an enum value the server lacks', () => {
    const template: ApiPrompt = {
      '1': { inputs: { width: 64, height: 64, batch_size: 1, color: 0, depth: 3 }, class_type: 'EmptyImage' },
      '2': { inputs: { images: ['1', 0], filename_prefix: 'x' }, class_type: 'SaveImage' },
      '3': { inputs: { sampler_name: 'euler' }, class_type: 'KSamplerSelect' },
      '4': { inputs: {}, class_type: 'FancyUpscaler' },
    };
    const params = {
      type: 'object' as const,
      additionalProperties: false as const,
      properties: {
        sampler: { enum: ['euler', 'turbo_sampler'], 'x-patch': [{ node: '3', input: 'sampler_name' }] },
      },
    };
    const problems = checkTemplate({ prompt: template, params }, recordedObjectInfo());
    expect(problems.map((p) => [p.nodeId, p.kind, p.input ?? null, p.value ?? null])).toEqual([
      ['1', 'unknown_input', 'depth', null],
      ['4', 'missing_class', null, null],
      ['3', 'value_not_in_list', 'sampler_name', 'turbo_sampler'],
    ]);
  });
});
