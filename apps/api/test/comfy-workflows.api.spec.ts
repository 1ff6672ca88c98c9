import type {
  ComfyConvertResponse,
  ComfyPresetListResponse,
  ComfyQueueResponse,
  ComfyStatusResponse,
  ComfyWorkflowListResponse,
  ComfyWorkflowRunResponse,
  JobListResponse,
} from '@atelier/contract';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { startComfyHarness, waitFor, type ComfyHarness, usersQueueGraphs } from './comfy-kit.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

const pairsDir = fileURLToPath(
  new URL('../../../packages/workflow/test/recordings/workflow-to-prompt', import.meta.url),
);
const repoConfig = fileURLToPath(new URL('../../../config/comfy', import.meta.url));

interface GoldenPair {
  file: string;
  workflow: Record<string, unknown>;
  output: Record<string, unknown>;
  workflow_as_loaded?: Record<string, unknown>;
}

const pairs: GoldenPair[] = readdirSync(pairsDir)
  .filter((file) => /^\d+_.*\.json$/.test(file))
  .sort()
  .map((file) => ({
    file,
    ...(JSON.parse(readFileSync(join(pairsDir, file), 'utf8')) as Omit<GoldenPair, 'file'>),
  }));

let harness: ComfyHarness | null = null;
let configDir: string | null = null;

afterEach(async () => {
  await harness?.close();
  harness = null;
  if (configDir) await rm(configDir, { recursive: true, force: true });
  configDir = null;
});

async function start(options: Parameters<typeof startComfyHarness>[0] = {}) {
  harness = await startComfyHarness({
    ...options,
    sim: { stepMs: 2, ...options.sim },
    env: { ...usersQueueGraphs, ...options.env },
  });
  const user = await harness.app.login('user');
  return { app: harness.app, sim: harness.sim, user };
}

function statusOf(app: TestApp, user: TestSession, promptId: string) {
  return waitFor(
    async () =>
      (await app.request.get(`/api/comfy/status/${promptId}`).set(user.bearer)).body as ComfyStatusResponse,
    (s) => s.status !== 'queued' && s.status !== 'running',
  );
}

/** A library under a temp dir: templates by name, `null` params = no contract file. */
async function writeLibrary(
  templates: Record<string, { prompt: unknown; params: unknown }>,
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'atelier-config-'));
  await mkdir(join(dir, 'comfy/workflows'), { recursive: true });
  await mkdir(join(dir, 'comfy/params'), { recursive: true });
  for (const [name, { prompt, params }] of Object.entries(templates)) {
    await writeFile(join(dir, `comfy/workflows/${name}.api.json`), JSON.stringify(prompt));
    if (params !== null)
      await writeFile(join(dir, `comfy/params/${name}.schema.json`), JSON.stringify(params));
  }
  return dir;
}

const testPattern = {
  prompt: JSON.parse(await readFile(join(repoConfig, 'workflows/test_pattern.api.json'), 'utf8')) as unknown,
  params: JSON.parse(await readFile(join(repoConfig, 'params/test_pattern.schema.json'), 'utf8')) as unknown,
};

describe('POST /api/comfy/workflows/convert', () => {
  it('converts every recorded UI workflow to exactly the prompt the real frontend sent', async () => {
    const { app, user } = await start();
    expect(pairs.length).toBeGreaterThanOrEqual(6);
    for (const pair of pairs) {
      for (const workflow of [pair.workflow, pair.workflow_as_loaded].filter((w) => w !== undefined)) {
        const response = await app.request
          .post('/api/comfy/workflows/convert')
          .set(user.bearer)
          .send({ workflow })
          .expect(200);
        const body = response.body as ComfyConvertResponse;
        expect(body.format, pair.file).toBe('ui');
        expect(JSON.stringify(body.prompt), pair.file).toBe(JSON.stringify(pair.output));
      }
    }
  });

  it('answers 422 naming each node it cannot convert, and 400 for what is no workflow at all', async () => {
    const { app, user } = await start();
    const pair = pairs.find((p) => p.file.startsWith('02_'));
    if (!pair) throw new Error('pair 02 is missing');
    const nodes = pair.workflow.nodes as { id: number; type: string; widgets_values?: unknown[] }[];
    const [first, second, ...rest] = nodes;
    if (!first || !second) throw new Error('pair 02 has too few nodes');
    const broken = {
      ...pair.workflow,
      nodes: [
        { ...first, type: 'NoSuchNode' },
        { ...second, widgets_values: ['not', 'numbers', 'at', 'all', 'here'] },
        ...rest,
      ],
    };
    const failed = await app.request
      .post('/api/comfy/workflows/convert')
      .set(user.bearer)
      .send({ workflow: broken })
      .expect(422);
    expect(failed.body).toMatchObject({ code: 'comfy.conversion_failed' });
    const issues = (
      failed.body as { details: { issues: { node_id: string; node_type: string; reason: string }[] } }
    ).details.issues;
    expect(issues).toContainEqual(
      expect.objectContaining({
        node_id: String(first.id),
        node_type: 'NoSuchNode',
        reason: expect.any(String),
      }),
    );
    expect(issues.some((issue) => issue.node_id === String(second.id))).toBe(true);

    const notAWorkflow = await app.request
      .post('/api/comfy/workflows/convert')
      .set(user.bearer)
      .send({ workflow: { hello: 'world' } })
      .expect(400);
    expect(notAWorkflow.body).toMatchObject({
      code: 'validation_failed',
      details: { workflow: [expect.any(String)] },
    });
    await app.request
      .post('/api/comfy/workflows/convert')
      .set(user.bearer)
      .send({ workflow: 'x' })
      .expect(400);

    const api = await app.request
      .post('/api/comfy/workflows/convert')
      .set(user.bearer)
      .send({ workflow: pair.output })
      .expect(200);
    expect(api.body).toEqual({ format: 'api', prompt: pair.output, warnings: [] });
  });

  it('POST /queue takes the UI workflow itself and the job runs on ComfyUI', async () => {
    const { app, user } = await start();
    const pair = pairs.find((p) => p.file.startsWith('02_'));
    const queued = await app.request
      .post('/api/comfy/queue')
      .set(user.bearer)
      .send({ workflow: pair?.workflow })
      .expect(201);
    const promptId = (queued.body as ComfyQueueResponse).prompt_id;
    const done = await statusOf(app, user, promptId);
    expect(done.status).toBe('succeeded');
    expect(done.images?.length).toBeGreaterThan(0);
  });
});

describe('GET /api/comfy/workflows', () => {
  it('lists the shipped library (the repo’s config, not the root dir’s) and flags what the server lacks', async () => {
    // Like the recorded server: no checkpoint installed, so the basic txt2img template cannot run.
    const { app, sim, user } = await start({ sim: { models: {} } });
    const list = async () =>
      (await app.request.get('/api/comfy/workflows').set(user.bearer).expect(200))
        .body as ComfyWorkflowListResponse;
    const first = await list();
    const byName = new Map(first.items.map((item) => [item.name, item]));
    expect(byName.get('test_pattern')).toMatchObject({
      title: 'Test pattern',
      broken: false,
      problems: [],
      params: { type: 'object', additionalProperties: false, properties: { width: { maximum: 4096 } } },
    });
    expect(byName.get('basic_txt2img')).toMatchObject({
      broken: true,
      problems: [
        expect.objectContaining({
          node_id: '4',
          kind: 'value_not_in_list',
          input: 'ckpt_name',
          value: 'v1-5-pruned-emaonly.ckpt',
        }),
      ],
    });
    expect(first.checked_against).toEqual(expect.any(String));

    // The checkpoint appears; the cached object_info still says otherwise until it is fetched again.
    await mkdir(join(sim.dataDir, 'models/checkpoints'), { recursive: true });
    await writeFile(join(sim.dataDir, 'models/checkpoints/v1-5-pruned-emaonly.ckpt'), '');
    expect((await list()).items.find((item) => item.name === 'basic_txt2img')?.broken).toBe(true);
    await app.request.get('/api/comfy/object-info?refresh=1').set(user.bearer).expect(200);
    const after = await list();
    expect(after.items.find((item) => item.name === 'basic_txt2img')).toMatchObject({
      broken: false,
      problems: [],
    });
    expect(after.checked_against).not.toBe(first.checked_against);
  });

  it('gives each template its id, version, origin and knob targets, and tells the caller what they may do', async () => {
    const { app, user } = await start({ env: { COMFY_RAW_GRAPH_MIN_ROLE: 'curator' } });
    const mine = (await app.request.get('/api/comfy/workflows').set(user.bearer).expect(200))
      .body as ComfyWorkflowListResponse;
    const pattern = mine.items.find((item) => item.name === 'test_pattern');
    expect(pattern).toMatchObject({
      id: 'workflow/test_pattern',
      origin: 'file',
      targets: {
        width: [{ node: '1', class_type: 'EmptyImage', input: 'width' }],
        color: [{ node: '1', class_type: 'EmptyImage', input: 'color' }],
      },
    });
    expect(pattern?.version).toMatch(/^[0-9a-f]{12}$/);
    expect([mine.can_queue_graph, mine.can_save]).toEqual([false, false]);
    const curator = await app.login('curator');
    const theirs = (await app.request.get('/api/comfy/workflows').set(curator.bearer).expect(200))
      .body as ComfyWorkflowListResponse;
    expect([theirs.can_queue_graph, theirs.can_save]).toEqual([true, true]);
    // The same version as the ledger records for a run of it.
    expect(theirs.items.find((item) => item.name === 'test_pattern')?.version).toBe(pattern?.version);
  });

  it('lets plain users queue graphs when the role setting says so (can_queue_graph)', async () => {
    const { app, user } = await start();
    const body = (await app.request.get('/api/comfy/workflows').set(user.bearer).expect(200))
      .body as ComfyWorkflowListResponse;
    expect([body.can_queue_graph, body.can_save]).toEqual([true, false]);
  });

  it('flags broken templates, refuses to run them (422) and reports files it could not load', async () => {
    configDir = await writeLibrary({
      pattern: testPattern,
      missing_class: {
        prompt: {
          '1': { class_type: 'FancyCustomNode', inputs: { strength: 1 } },
          '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } },
        },
        params: {
          type: 'object',
          additionalProperties: false,
          properties: { strength: { type: 'number', 'x-patch': [{ node: '1', input: 'strength' }] } },
        },
      },
      no_contract: { prompt: { '1': { class_type: 'EmptyImage', inputs: {} } }, params: null },
    });
    const { app, user } = await start({ env: { ATELIER_CONFIG_DIR: configDir } });
    const list = (await app.request.get('/api/comfy/workflows').set(user.bearer).expect(200))
      .body as ComfyWorkflowListResponse;
    expect(list.items.map((item) => [item.name, item.broken])).toEqual([
      ['missing_class', true],
      ['pattern', false],
    ]);
    expect(list.items[0]?.problems).toEqual([
      { node_id: '1', class_type: 'FancyCustomNode', kind: 'missing_class', message: expect.any(String) },
    ]);
    expect(list.library_problems).toEqual([
      { file: 'no_contract.schema.json', message: expect.stringContaining('parameter contract') },
    ]);

    const refused = await app.request
      .post('/api/comfy/workflows/missing_class/run')
      .set(user.bearer)
      .send({ params: { strength: 0.5 } })
      .expect(422);
    expect(refused.body).toMatchObject({
      code: 'comfy.template_broken',
      details: {
        problems: [expect.objectContaining({ kind: 'missing_class', class_type: 'FancyCustomNode' })],
      },
    });
    const jobs = (await app.request.get('/api/comfy/jobs').set(user.bearer)).body as JobListResponse;
    expect(jobs.items).toEqual([]);
  });
});

describe('POST /api/comfy/workflows/:name/run', () => {
  it('patches the template with the parameters and runs it', async () => {
    const { app, user } = await start();
    const response = await app.request
      .post('/api/comfy/workflows/test_pattern/run')
      .set(user.bearer)
      .send({ params: { width: 40, height: 24, color: 0 } })
      .expect(201);
    const body = response.body as ComfyWorkflowRunResponse;
    expect(body.params).toEqual({ width: 40, height: 24, color: 0 });
    const done = await statusOf(app, user, body.prompt_id);
    expect(done.status).toBe('succeeded');
    const image = done.images?.[0];
    if (!image) throw new Error('no image');
    expect(image.filename).toMatch(/^test_pattern_\d+_\.png$/);
    const view = await app.request
      .get('/api/comfy/view')
      .query({ filename: image.filename, subfolder: image.subfolder, type: image.type })
      .set(user.bearer)
      .buffer(true)
      .parse((res, callback) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => callback(null, Buffer.concat(chunks)));
      })
      .expect(200);
    const { width, height } = await sharp(view.body as Buffer).metadata();
    expect([width, height]).toEqual([40, 24]);
    // color 0 (black), inverted: white.
    const { channels } = await sharp(view.body as Buffer).stats();
    expect(channels.slice(0, 3).map((channel) => channel.mean)).toEqual([255, 255, 255]);

    const jobs = (await app.request.get('/api/comfy/jobs').set(user.bearer)).body as JobListResponse;
    expect(jobs.items[0]).toMatchObject({
      prompt_id: body.prompt_id,
      kind: 'workflow',
      params: { template: 'test_pattern', values: { width: 40, height: 24, color: 0 } },
    });
  });

  it('refuses unknown knobs, values out of bounds and unknown templates', async () => {
    const { app, user } = await start();
    const run = (name: string, params: unknown) =>
      app.request.post(`/api/comfy/workflows/${name}/run`).set(user.bearer).send({ params });
    const unknown = await run('test_pattern', { width: 64, steps: 20 }).expect(400);
    expect(unknown.body).toMatchObject({
      code: 'validation_failed',
      details: { steps: [expect.stringContaining('not a parameter')] },
    });
    const bounds = await run('test_pattern', { width: 0, height: 5000, color: 'red' }).expect(400);
    expect(Object.keys((bounds.body as { details: object }).details).sort()).toEqual([
      'color',
      'height',
      'width',
    ]);
    await run('test_pattern', 'not an object').expect(400);
    expect((await run('no_such_template', {}).expect(404)).body).toMatchObject({ code: 'not_found' });
    await run('..%2Fworkflows%2Ftest_pattern', {}).expect(404);
    const jobs = (await app.request.get('/api/comfy/jobs').set(user.bearer)).body as JobListResponse;
    expect(jobs.items).toEqual([]);
  });

  it('is idempotent with an Idempotency-Key', async () => {
    const { app, user } = await start();
    const run = () =>
      app.request
        .post('/api/comfy/workflows/test_pattern/run')
        .set(user.bearer)
        .set('Idempotency-Key', 'pattern-1')
        .send({ params: { width: 16, height: 16 } })
        .expect(201);
    const first = (await run()).body as ComfyWorkflowRunResponse;
    const again = (await run()).body as ComfyWorkflowRunResponse;
    expect(again).toEqual(first);
  });
});

describe('GET /api/comfy/presets', () => {
  it('lists the txt2img presets with the parameters each takes', async () => {
    const { app, user } = await start();
    const body = (await app.request.get('/api/comfy/presets').set(user.bearer).expect(200))
      .body as ComfyPresetListResponse;
    expect(body.items).toEqual([
      expect.objectContaining({
        name: 'sample_basic_sdxl',
        title: 'Basic SDXL',
        params: expect.arrayContaining(['caption', 'negative', 'width', 'seed', 'checkpoint']) as unknown,
        schema: expect.objectContaining({ required: ['caption'] }) as unknown,
      }),
    ]);
  });
});

describe('access', () => {
  it('needs a signed-in user, and answers 503 while the integration is off', async () => {
    const { app } = await start();
    await app.request.get('/api/comfy/workflows').expect(401);
    await app.request.post('/api/comfy/workflows/convert').send({ workflow: {} }).expect(401);
    await app.request.get('/api/comfy/presets').expect(401);

    const off = await createTestApp({ env: { COMFY_ENABLED: 'false' } });
    try {
      const user = await off.login('user');
      for (const call of [
        off.request.get('/api/comfy/workflows'),
        off.request.get('/api/comfy/presets'),
        off.request.post('/api/comfy/workflows/test_pattern/run').send({}),
        off.request.post('/api/comfy/workflows/convert').send({ workflow: pairs[0]?.workflow }),
      ]) {
        const response = await call.set(user.bearer).expect(503);
        expect(response.body).toMatchObject({ code: 'comfy.disabled' });
      }
    } finally {
      await off.close();
    }
  });
});
