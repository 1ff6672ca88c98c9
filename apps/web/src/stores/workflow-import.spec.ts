import type { ComfyImportResponse } from '@atelier/contract';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { installFakeApi, testUsers } from '../test/install-fake-api';
import type { FakeApi } from '../test/fake-api';
import { useWorkflowImportStore } from './workflow-import';

const found: ComfyImportResponse = {
  source: 'json',
  format: 'ui',
  workflow: { nodes: [], links: [] },
  prompt: { '3': { class_type: 'KSampler', inputs: { steps: 20 } } },
  warnings: [],
  nodes: [
    { id: '3', class_type: 'KSampler', title: null, widgets: [{ input: 'steps', value: 20, type: 'INT' }] },
  ],
};

let api: FakeApi;
let answer: { status: number; body: unknown };
let sent: { field: string; name: string }[];

beforeEach(() => {
  api = installFakeApi(testUsers.curator);
  answer = { status: 200, body: found };
  sent = [];
  const inner = api.fetch;
  vi.stubGlobal('fetch', async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (!url.includes('/api/comfy/workflows/import')) return inner(input, init);
    for (const [field, value] of (init?.body as FormData).entries()) {
      sent.push({ field, name: value instanceof File ? value.name : String(value) });
    }
    return new Response(JSON.stringify(answer.body), {
      status: answer.status,
      headers: { 'content-type': 'application/json' },
    });
  });
});

const file = () => new File(['{}'], 'my-flow.json', { type: 'application/json' });

describe('workflow import store', () => {
  it('sends the file as the part `file` and keeps what the server found', async () => {
    const store = useWorkflowImportStore();
    await store.importFile(file());
    expect(sent).toEqual([{ field: 'file', name: 'my-flow.json' }]);
    expect(store.status).toBe('ready');
    expect(store.result?.nodes[0]?.class_type).toBe('KSampler');
    expect(store.fileName).toBe('my-flow.json');
  });

  it('says why a file has no workflow, and names the nodes that cannot be converted', async () => {
    const store = useWorkflowImportStore();
    answer = {
      status: 400,
      body: {
        code: 'validation_failed',
        message: 'The file holds no ComfyUI workflow',
        details: { file: ['is a PNG without a ComfyUI workflow in its metadata'] },
      },
    };
    await store.importFile(file());
    expect(store.status).toBe('error');
    expect(store.error).toBe(
      'The file holds no ComfyUI workflow: the file is a PNG without a ComfyUI workflow in its metadata.',
    );
    answer = {
      status: 422,
      body: {
        code: 'comfy.conversion_failed',
        message: 'The workflow cannot be converted',
        details: { issues: [{ node_id: '4', node_type: 'Mystery', reason: 'not installed' }] },
      },
    };
    await store.importFile(file());
    expect(store.error).toBe('The workflow cannot be converted');
    expect(store.issues).toEqual([{ node_id: '4', node_type: 'Mystery', reason: 'not installed' }]);
    expect(store.result).toBeNull();
  });

  it('runs the UI workflow once through the jobs store, and clears', async () => {
    const store = useWorkflowImportStore();
    await store.importFile(file());
    const promptId = await store.runOnce();
    expect(promptId).toBe('queued-1');
    expect(api.comfy.queued).toEqual([found.workflow]);
    expect(store.runPromptId).toBe('queued-1');
    store.clear();
    expect(store.result).toBeNull();
    expect(await store.runOnce()).toBeNull();
    expect(api.comfy.queued).toHaveLength(1);
  });
});
