import type { ComfyImportResponse } from '@atelier/contract';
import { flushPromises, mount } from '@vue/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { installFakeApi, testUsers } from '../../test/install-fake-api';
import WorkflowsSaveDialog from './WorkflowsSaveDialog.vue';

const result: ComfyImportResponse = {
  source: 'json',
  format: 'ui',
  workflow: { nodes: [], links: [] },
  prompt: {
    '3': { class_type: 'KSampler', inputs: { seed: 5, steps: 20, sampler_name: 'euler' } },
  },
  warnings: [],
  nodes: [
    {
      id: '3',
      class_type: 'KSampler',
      title: null,
      widgets: [
        { input: 'seed', value: 5, type: 'INT', min: 0, max: 2 ** 64 },
        { input: 'steps', value: 20, type: 'INT', min: 1, max: 10000 },
        { input: 'sampler_name', value: 'euler', type: 'COMBO', options: ['euler', 'ddim'] },
      ],
    },
  ],
};

let posted: { url: string; body: Record<string, unknown> }[];
let answer: { status: number; body: unknown };

beforeEach(() => {
  const api = installFakeApi(testUsers.curator);
  posted = [];
  answer = { status: 201, body: { name: 'flow', title: 'Flow', version: 'abc123def456' } };
  const inner = api.fetch;
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.includes('/api/comfy/workflows')) return inner(input, init);
    const json = (status: number, body: unknown) =>
      new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
    if (init?.method !== 'POST') {
      return json(200, {
        items: [{ name: 'basic', title: 'Basic' }],
        library_problems: [],
        checked_against: null,
        can_queue_graph: true,
        can_save: true,
      });
    }
    posted.push({ url, body: JSON.parse(init.body as string) as Record<string, unknown> });
    return json(answer.status, answer.body);
  });
});

afterEach(() => {
  document.body.innerHTML = '';
});

function mountDialog() {
  // The dialog teleports itself to <body>; the stub keeps it in the wrapper so `get` finds it.
  return mount(WorkflowsSaveDialog, {
    props: { result, fileName: 'my flow.json' },
    attachTo: document.body,
    global: { stubs: { teleport: true } },
  });
}

describe('WorkflowsSaveDialog', () => {
  it('saves a new template with the chosen widgets as knobs, bounds narrowed, the rest as imported', async () => {
    const wrapper = mountDialog();
    await flushPromises();
    expect((wrapper.get('input[autocomplete="off"]').element as HTMLInputElement).value).toBe('my_flow');
    await wrapper.get('[data-testid="save-row-3.steps"] input[type="checkbox"]').setValue(true);
    const max = wrapper.findAll('[data-testid="save-row-3.steps"] input').find((input) => {
      const id = input.attributes('id');
      return id !== undefined && wrapper.get(`label[for="${id}"]`).text() === 'Maximum of 3.steps';
    });
    await max!.setValue('50');
    await wrapper.get('[data-testid="save-row-3.seed"] input[type="checkbox"]').setValue(true);
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(posted).toHaveLength(1);
    expect(posted[0]!.url).toMatch(/\/api\/comfy\/workflows$/);
    expect(posted[0]!.body).toMatchObject({ name: 'my_flow', title: 'my flow', prompt: result.prompt });
    expect(posted[0]!.body.params).toEqual({
      type: 'object',
      additionalProperties: false,
      properties: {
        seed: {
          type: 'integer',
          minimum: 0,
          maximum: Number.MAX_SAFE_INTEGER,
          'x-random': true,
          default: 5,
          'x-patch': [{ node: '3', input: 'seed' }],
        },
        steps: {
          type: 'integer',
          minimum: 1,
          maximum: 50,
          default: 20,
          'x-patch': [{ node: '3', input: 'steps' }],
        },
      },
    });
    expect(wrapper.emitted('saved')).toHaveLength(1);
  });

  it('adds a version to an existing template, and shows what the server refused', async () => {
    const wrapper = mountDialog();
    await flushPromises();
    await wrapper.get('input[type="radio"][value="version"]').setValue(true);
    expect((wrapper.get('select').element as HTMLSelectElement).value).toBe('basic');
    answer = {
      status: 409,
      body: { code: 'conflict', message: 'This version exists already', details: { version: ['abc'] } },
    };
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(posted[0]!.url).toMatch(/\/api\/comfy\/workflows\/basic\/versions$/);
    expect(posted[0]!.body.params).toEqual({ type: 'object', additionalProperties: false, properties: {} });
    expect(wrapper.get('[role="alert"]').text()).toContain('This version exists already');
    expect(wrapper.emitted('saved')).toBeUndefined();
  });

  it('keeps a contract that could not fit from being sent', async () => {
    const wrapper = mountDialog();
    await flushPromises();
    await wrapper.get('[data-testid="save-row-3.steps"] input[type="checkbox"]').setValue(true);
    const name = wrapper.findAll('[data-testid="save-row-3.steps"] input').find((input) => {
      const id = input.attributes('id');
      return id !== undefined && wrapper.get(`label[for="${id}"]`).text() === 'Name of 3.steps';
    });
    await name!.setValue('9 steps');
    await wrapper.get('form').trigger('submit');
    await flushPromises();
    expect(posted).toHaveLength(0);
    expect(wrapper.get('[role="alert"]').text()).toContain('"9 steps" is not a valid parameter name');
  });
});
