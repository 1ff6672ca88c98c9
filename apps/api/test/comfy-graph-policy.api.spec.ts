import type { AdminConfigResponse, ErrorBody, JobListResponse } from '@atelier/contract';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  presetFiles,
  quickWorkflow,
  samplerWorkflow,
  startComfyHarness,
  type ComfyHarness,
} from './comfy-kit.js';
import type { TestApp, TestSession } from './test-app.js';

/**
 * Issue 10, defect 5: any user could queue any graph. Raw graphs are now a permission (comfy_raw_graph_min_role,
 * curator by default), their node classes can be held to an allow-list (comfy_node_allow_list), and the txt2img
 * caps bind every graph, whatever route queued it (graph-policy.ts).
 */
const repoConfig = fileURLToPath(new URL('../../../config/comfy', import.meta.url));
const read = (path: string) => readFileSync(join(repoConfig, path), 'utf8');

/** A sampler template whose own contract is looser than the server's caps. */
const looseParams = {
  type: 'object',
  additionalProperties: false,
  properties: {
    steps: { type: 'integer', minimum: 1, maximum: 1000, 'x-patch': [{ node: '3', input: 'steps' }] },
    width: { type: 'integer', minimum: 8, maximum: 8192, 'x-patch': [{ node: '5', input: 'width' }] },
    batch_size: {
      type: 'integer',
      minimum: 1,
      maximum: 256,
      'x-patch': [{ node: '5', input: 'batch_size' }],
    },
  },
};

let harness: ComfyHarness;
let app: TestApp;
let user: TestSession;
let curator: TestSession;
let admin: TestSession;

beforeAll(async () => {
  harness = await startComfyHarness({
    sim: { stepMs: 1 },
    env: { ATELIER_CONFIG_DIR: 'cfg' },
    app: {
      files: {
        ...presetFiles,
        'cfg/comfy/workflows/test_pattern.api.json': read('workflows/test_pattern.api.json'),
        'cfg/comfy/params/test_pattern.schema.json': read('params/test_pattern.schema.json'),
        'cfg/comfy/workflows/loose_sampler.api.json': JSON.stringify(samplerWorkflow(20)),
        'cfg/comfy/params/loose_sampler.schema.json': JSON.stringify(looseParams),
      },
    },
  });
  app = harness.app;
  user = await app.login('user');
  curator = await app.login('curator');
  admin = await app.login('admin');
});

afterAll(async () => {
  await harness.close();
});

beforeEach(async () => {
  await settings({ comfy_raw_graph_min_role: null, comfy_node_allow_list: null }).expect(200);
});

function settings(body: Record<string, unknown>) {
  return app.request.patch('/api/admin/config').set(admin.bearer).send(body);
}

function queue(session: TestSession, workflow: Record<string, unknown>) {
  return app.request.post('/api/comfy/queue').set(session.bearer).send({ workflow });
}

function runTemplate(session: TestSession, name: string, params: Record<string, unknown>) {
  return app.request.post(`/api/comfy/workflows/${name}/run`).set(session.bearer).send({ params });
}

async function jobCount(session: TestSession): Promise<number> {
  const list = (await app.request.get('/api/comfy/jobs?mine=1').set(session.bearer).expect(200))
    .body as JobListResponse;
  return list.items.length;
}

/** The graph's refusal: 400 validation_failed with exactly these `<node>.class_type` / `<node>.inputs.<input>` keys. */
function expectRefused(body: unknown, fields: string[]): void {
  const error = body as ErrorBody;
  expect(error.code).toBe('validation_failed');
  expect(Object.keys(error.details as object).sort()).toEqual([...fields].sort());
}

/** EmptyLatentImage (5) → KSampler (3): the txt2img graph with these latent inputs. */
function latentWorkflow(latent: Record<string, number>): Record<string, unknown> {
  const graph = samplerWorkflow(2) as Record<string, { inputs: Record<string, unknown> }>;
  Object.assign(graph['5']!.inputs, latent);
  return graph;
}

describe('who may queue a raw graph (comfy_raw_graph_min_role)', () => {
  it('by default curators and admins; a user gets 403 and no job, yet keeps templates', async () => {
    const before = await jobCount(user);
    const refused = await queue(user, quickWorkflow()).expect(403);
    expect(refused.body).toMatchObject({ code: 'auth.forbidden' });
    expect(await jobCount(user)).toBe(before);
    await queue(curator, quickWorkflow()).expect(201);
    await queue(admin, quickWorkflow()).expect(201);
    await runTemplate(user, 'test_pattern', { width: 32, height: 32 }).expect(201);
  });

  it.each([
    ['user', { user: 201, curator: 201, admin: 201 }],
    ['curator', { user: 403, curator: 201, admin: 201 }],
    ['admin', { user: 403, curator: 403, admin: 201 }],
  ] as const)('set to %s by an admin, applies at once', async (role, expected) => {
    await settings({ comfy_raw_graph_min_role: role }).expect(200);
    const config = (await app.request.get('/api/admin/config').set(admin.bearer).expect(200))
      .body as AdminConfigResponse;
    expect(config.settings.comfy_raw_graph_min_role).toEqual({ value: role, source: 'admin' });
    for (const [session, status] of [
      [user, expected.user],
      [curator, expected.curator],
      [admin, expected.admin],
    ] as const) {
      const response = await queue(session, quickWorkflow());
      expect(response.status, `${session.user.role} with ${role}`).toBe(status);
    }
  });

  it('accepts only a role', async () => {
    for (const value of ['root', '', 'Curator', 3, ['user']]) {
      const response = await settings({ comfy_raw_graph_min_role: value }).expect(400);
      expect(response.body, JSON.stringify(value)).toMatchObject({
        code: 'validation_failed',
        details: { comfy_raw_graph_min_role: expect.any(Array) },
      });
    }
  });
});

describe('node classes (comfy_node_allow_list)', () => {
  const inverted = {
    ...quickWorkflow(),
    '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
    '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'atelier/inv' } },
  };

  it('empty (the default): any class; set: only those, for curators and users alike', async () => {
    await queue(curator, inverted).expect(201);
    // Text from the admin page's field: split on commas, trimmed, repeats dropped.
    await settings({ comfy_node_allow_list: ' EmptyImage, SaveImage,,SaveImage ' }).expect(200);
    const config = (await app.request.get('/api/admin/config').set(admin.bearer).expect(200))
      .body as AdminConfigResponse;
    expect(config.settings.comfy_node_allow_list.value).toEqual(['EmptyImage', 'SaveImage']);

    await queue(curator, quickWorkflow()).expect(201);
    const before = await jobCount(curator);
    const refused = await queue(curator, inverted).expect(400);
    expectRefused(refused.body, ['2.class_type']);
    expect(await jobCount(curator)).toBe(before);

    await settings({ comfy_raw_graph_min_role: 'user' }).expect(200);
    expectRefused((await queue(user, inverted).expect(400)).body, ['2.class_type']);
  });

  it('binds raw graphs only: admins (who set it), templates and txt2img are not held to it', async () => {
    await settings({ comfy_node_allow_list: ['SaveImage'] }).expect(200);
    await queue(admin, inverted).expect(201);
    // test_pattern is EmptyImage → ImageInvert → SaveImage.
    await runTemplate(user, 'test_pattern', { width: 16, height: 16 }).expect(201);
  });

  it('accepts a list of names, or one text of names', async () => {
    await settings({ comfy_node_allow_list: [] }).expect(200);
    for (const value of [[1], 'a\u0000b', { a: 1 }, true, Array.from({ length: 501 }, (_, i) => `N${i}`)]) {
      const response = await settings({ comfy_node_allow_list: value }).expect(400);
      expect(response.body).toMatchObject({ details: { comfy_node_allow_list: expect.any(Array) } });
    }
  });
});

describe('the txt2img caps bind every graph', () => {
  it('POST /queue: steps, latent size and batch per node and input, for admins too', async () => {
    for (const session of [curator, admin]) {
      expectRefused((await queue(session, samplerWorkflow(151)).expect(400)).body, ['3.inputs.steps']);
      expectRefused(
        (await queue(session, latentWorkflow({ width: 4104, height: 60, batch_size: 65 })).expect(400)).body,
        ['5.inputs.width', '5.inputs.height', '5.inputs.batch_size'],
      );
    }
    expectRefused((await queue(curator, latentWorkflow({ width: 1001 })).expect(400)).body, [
      '5.inputs.width',
    ]);
    expectRefused((await queue(curator, samplerWorkflow(0)).expect(400)).body, ['3.inputs.steps']);
    // Other nodes keep the upper bounds: EmptyImage is no latent, but 5000 px is still past the cap.
    const wide = quickWorkflow() as Record<string, { inputs: Record<string, unknown> }>;
    wide['1']!.inputs.width = 5000;
    wide['1']!.inputs.batch_size = 100;
    expectRefused((await queue(curator, wide).expect(400)).body, ['1.inputs.width', '1.inputs.batch_size']);

    await queue(curator, samplerWorkflow(150)).expect(201);
    await queue(curator, latentWorkflow({ width: 4096, height: 64, batch_size: 64 })).expect(201);
  });

  it('POST /queue with a UI workflow: checked after conversion', async () => {
    const ui = {
      last_node_id: 2,
      last_link_id: 1,
      nodes: [
        {
          id: 1,
          type: 'EmptyImage',
          inputs: [],
          outputs: [{ name: 'IMAGE', type: 'IMAGE', links: [1] }],
          widgets_values: [64, 64, 65, 0],
        },
        {
          id: 2,
          type: 'SaveImage',
          inputs: [{ name: 'images', type: 'IMAGE', link: 1 }],
          outputs: [],
          widgets_values: ['atelier/ui'],
        },
      ],
      links: [[1, 1, 0, 2, 0, 'IMAGE']],
    };
    expectRefused((await queue(curator, ui).expect(400)).body, ['1.inputs.batch_size']);
    ui.nodes[0]!.widgets_values = [64, 64, 1, 0];
    await queue(curator, ui).expect(201);
  });

  it('POST /workflows/:name/run: a template’s own contract cannot lift them', async () => {
    expectRefused((await runTemplate(user, 'loose_sampler', { steps: 151 }).expect(400)).body, [
      '3.inputs.steps',
    ]);
    expectRefused((await runTemplate(user, 'loose_sampler', { width: 4104 }).expect(400)).body, [
      '5.inputs.width',
    ]);
    expectRefused((await runTemplate(user, 'loose_sampler', { batch_size: 65 }).expect(400)).body, [
      '5.inputs.batch_size',
    ]);
    await runTemplate(user, 'loose_sampler', { steps: 150, width: 4096, batch_size: 64 }).expect(201);
  });
});
