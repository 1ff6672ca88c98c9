import type {
  AuditPage,
  ComfyStatusResponse,
  ComfyWorkflowDetail,
  ComfyWorkflowListResponse,
  ComfyWorkflowRunResponse,
  JobListResponse,
} from '@atelier/contract';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startComfyHarness, waitFor, type ComfyHarness } from './comfy-kit.js';
import type { TestApp, TestSession } from './test-app.js';

/**
 * Saving workflow templates (curators): POST /api/comfy/workflows and /workflows/:name/versions, the saved
 * templates in the library, GET /workflows/:name and running older versions. Saved templates live in the
 * database: the shipped config folder is never written.
 */
const repoConfig = fileURLToPath(new URL('../../../config/comfy', import.meta.url));
const readJson = async (path: string) =>
  JSON.parse(await readFile(join(repoConfig, path), 'utf8')) as unknown;
const patternPrompt = (await readJson('workflows/test_pattern.api.json')) as Record<
  string,
  { class_type: string; inputs: Record<string, unknown> }
>;
const patternParams = (await readJson('params/test_pattern.schema.json')) as {
  properties: Record<string, Record<string, unknown>>;
};

/** test_pattern with another default colour (the contract's default must equal the prompt's value). */
function recoloured(color: number) {
  const prompt = structuredClone(patternPrompt);
  prompt['1']!.inputs.color = color;
  const params = structuredClone(patternParams);
  params.properties.color!.default = color;
  return { prompt, params };
}

/** A template needing a node class the simulator does not have. */
const needsCustomNode = {
  prompt: {
    '1': { class_type: 'FancyCustomNode', inputs: { strength: 1 } },
    '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'atelier/fancy' } },
  },
  params: {
    type: 'object',
    additionalProperties: false,
    properties: {
      strength: {
        type: 'number',
        minimum: 0,
        maximum: 2,
        default: 1,
        'x-patch': [{ node: '1', input: 'strength' }],
      },
    },
  },
};

let harness: ComfyHarness | null = null;
afterEach(async () => {
  await harness?.close();
  harness = null;
});

async function start() {
  harness = await startComfyHarness({ sim: { stepMs: 2 } });
  const { app } = harness;
  return {
    app,
    user: await app.login('user'),
    curator: await app.login('curator'),
    admin: await app.login('admin'),
  };
}

const list = async (app: TestApp, who: TestSession) =>
  (await app.request.get('/api/comfy/workflows').set(who.bearer).expect(200))
    .body as ComfyWorkflowListResponse;

function statusOf(app: TestApp, who: TestSession, promptId: string) {
  return waitFor(
    async () =>
      (await app.request.get(`/api/comfy/status/${promptId}`).set(who.bearer)).body as ComfyStatusResponse,
    (s) => s.status !== 'queued' && s.status !== 'running',
  );
}

async function configSnapshot(): Promise<string[]> {
  const [workflows, params] = await Promise.all([
    readdir(join(repoConfig, 'workflows')),
    readdir(join(repoConfig, 'params')),
  ]);
  return [...workflows, ...params].sort();
}

describe('POST /api/comfy/workflows', () => {
  it('saves a template a user can then list, read and run; it lives in the database, not in config/', async () => {
    const before = await configSnapshot();
    const { app, user, curator, admin } = await start();
    const { prompt, params } = recoloured(0x112233);
    const saved = await app.request
      .post('/api/comfy/workflows')
      .set(curator.bearer)
      .send({ name: 'my_pattern', title: 'My pattern', description: 'A darker pattern', prompt, params })
      .expect(201);
    const detail = saved.body as ComfyWorkflowDetail;
    expect(detail).toMatchObject({
      id: 'workflow/my_pattern',
      name: 'my_pattern',
      origin: 'saved',
      title: 'My pattern',
      description: 'A darker pattern',
      broken: false,
      problems: [],
      prompt,
      targets: { color: [{ node: '1', class_type: 'EmptyImage', input: 'color' }] },
    });
    expect(detail.version).toMatch(/^[0-9a-f]{12}$/);
    expect(detail.versions).toEqual([
      {
        version: detail.version,
        origin: 'saved',
        created_at: expect.any(String),
        created_by: { id: curator.user.id, username: curator.user.username },
      },
    ]);

    const listed = (await list(app, user)).items.find((item) => item.name === 'my_pattern');
    expect(listed).toMatchObject({ origin: 'saved', version: detail.version, broken: false });
    expect(await configSnapshot()).toEqual(before);

    const read = await app.request.get('/api/comfy/workflows/my_pattern').set(user.bearer).expect(200);
    expect(read.body).toEqual(detail);

    const run = await app.request
      .post('/api/comfy/workflows/my_pattern/run')
      .set(user.bearer)
      .send({ params: { width: 8, height: 8 } })
      .expect(201);
    const promptId = (run.body as ComfyWorkflowRunResponse).prompt_id;
    expect((await statusOf(app, user, promptId)).status).toBe('succeeded');

    // It survives a restart: the library reads it back from the database.
    await app.restart();
    const again = await app.login('user');
    expect((await list(app, again)).items.map((item) => item.name)).toContain('my_pattern');

    const audit = (
      await app.request
        .get('/api/admin/audit')
        .set((await app.login('admin')).bearer)
        .expect(200)
    ).body as AuditPage;
    expect(audit.items).toContainEqual(
      expect.objectContaining({
        action: 'comfy.template_saved',
        actor: { id: curator.user.id, username: curator.user.username },
        target: { type: 'template', id: 'my_pattern', label: 'my_pattern' },
        details: { version: detail.version, created: true, shadows_file: false },
      }),
    );
    expect(admin.user.role).toBe('admin');
  });

  it('is for curators: a plain user gets 403 and nothing is saved', async () => {
    const { app, user } = await start();
    const refused = await app.request
      .post('/api/comfy/workflows')
      .set(user.bearer)
      .send({ name: 'mine', title: 'Mine', ...recoloured(1) })
      .expect(403);
    expect(refused.body).toMatchObject({ code: 'auth.forbidden' });
    await app.request
      .post('/api/comfy/workflows/test_pattern/versions')
      .set(user.bearer)
      .send(recoloured(1))
      .expect(403);
    expect((await list(app, user)).items.map((item) => item.name)).not.toContain('mine');
  });

  it('refuses a taken name (409), a contract that does not fit (400 params), a bad name and a bad prompt', async () => {
    const { app, curator } = await start();
    const save = (body: Record<string, unknown>) =>
      app.request.post('/api/comfy/workflows').set(curator.bearer).send(body);

    const shipped = await save({ name: 'test_pattern', title: 'Again', ...recoloured(1) }).expect(409);
    expect(shipped.body).toMatchObject({ code: 'conflict', details: { name: ['is taken'] } });
    await save({ name: 'twice', title: 'Twice', ...recoloured(2) }).expect(201);
    expect((await save({ name: 'twice', title: 'Twice', ...recoloured(3) }).expect(409)).body).toMatchObject({
      code: 'conflict',
    });

    const { prompt, params } = recoloured(4);
    params.properties.color!.default = 5;
    params.properties.width!['x-patch'] = [{ node: '9', input: 'width' }];
    const unfit = await save({ name: 'unfit', title: 'Unfit', prompt, params }).expect(400);
    const messages = (unfit.body as { details: { params: string[] } }).details.params;
    expect(unfit.body).toMatchObject({ code: 'validation_failed' });
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('declares default 5'),
        expect.stringContaining('node "9"'),
      ]),
    );
    const open = recoloured(4);
    (open.params as Record<string, unknown>).additionalProperties = true;
    expect(
      (await save({ name: 'open', title: 'Open', ...open }).expect(400)).body as { details: object },
    ).toMatchObject({ details: { params: [expect.stringContaining('additionalProperties')] } });

    const badName = await save({ name: '../escape', title: 'x', ...recoloured(4) }).expect(400);
    expect(badName.body).toMatchObject({
      code: 'validation_failed',
      details: { name: [expect.any(String)] },
    });
    const notAPrompt = await save({ name: 'np', title: 'x', prompt: { a: 1 }, params: {} }).expect(400);
    expect(notAPrompt.body).toMatchObject({ details: { prompt: [expect.any(String)] } });
    await save({ name: 'np', title: '', ...recoloured(4) }).expect(400);
    await save({ name: 'np', title: 'x', prompt: 'text', params: {} }).expect(400);
  });

  it('holds the graph to the policy of a raw graph of the saver (caps, file paths)', async () => {
    const { app, curator } = await start();
    const { prompt, params } = recoloured(6);
    prompt['3']!.inputs.filename_prefix = '../../etc/x';
    const refused = await app.request
      .post('/api/comfy/workflows')
      .set(curator.bearer)
      .send({ name: 'escape', title: 'Escape', prompt, params })
      .expect(400);
    expect(refused.body).toMatchObject({
      code: 'validation_failed',
      details: { '3.inputs.filename_prefix': [expect.any(String)] },
    });
    const big = recoloured(6);
    big.prompt['1']!.inputs.batch_size = 500;
    big.params.properties.batch_size!.default = 500;
    const capped = await app.request
      .post('/api/comfy/workflows')
      .set(curator.bearer)
      .send({ name: 'big', title: 'Big', ...big })
      .expect(400);
    expect(capped.body).toMatchObject({ details: { '1.inputs.batch_size': [expect.any(String)] } });
  });

  it('saves a template the server cannot run and reports its problems; running it is 422', async () => {
    const { app, user, curator } = await start();
    const saved = await app.request
      .post('/api/comfy/workflows')
      .set(curator.bearer)
      .send({ name: 'fancy', title: 'Fancy', ...needsCustomNode })
      .expect(201);
    expect(saved.body).toMatchObject({
      broken: true,
      problems: [
        expect.objectContaining({ kind: 'missing_class', class_type: 'FancyCustomNode', node_id: '1' }),
      ],
    });
    expect((await list(app, user)).items.find((item) => item.name === 'fancy')).toMatchObject({
      broken: true,
    });
    const refused = await app.request
      .post('/api/comfy/workflows/fancy/run')
      .set(user.bearer)
      .send({})
      .expect(422);
    expect(refused.body).toMatchObject({ code: 'comfy.template_broken' });
  });
});

describe('POST /api/comfy/workflows/:name/versions', () => {
  it('adds versions; the latest is listed, older ones still run by version, the same content is 409', async () => {
    const { app, user, curator } = await start();
    const first = (
      await app.request
        .post('/api/comfy/workflows')
        .set(curator.bearer)
        .send({ name: 'ver', title: 'Versioned', ...recoloured(0x000000) })
        .expect(201)
    ).body as ComfyWorkflowDetail;
    const second = (
      await app.request
        .post('/api/comfy/workflows/ver/versions')
        .set(curator.bearer)
        .send(recoloured(0xffffff))
        .expect(201)
    ).body as ComfyWorkflowDetail;
    expect(second.version).not.toBe(first.version);
    expect(second.title).toBe('Versioned');
    expect(second.versions.map((v) => v.version)).toEqual([second.version, first.version]);
    expect((await list(app, user)).items.filter((item) => item.name === 'ver')).toEqual([
      expect.objectContaining({ version: second.version }),
    ]);

    // An older version reads as it was (its prompt and contract), with the same list of versions.
    const old = (
      await app.request.get('/api/comfy/workflows/ver').query({ version: first.version }).set(user.bearer)
    ).body as ComfyWorkflowDetail;
    expect(old).toMatchObject({ version: first.version, prompt: first.prompt, params: first.params });
    expect(old.versions).toEqual(second.versions);
    await app.request.get('/api/comfy/workflows/ver').query({ version: 'nope' }).set(user.bearer).expect(404);

    const same = await app.request
      .post('/api/comfy/workflows/ver/versions')
      .set(curator.bearer)
      .send(recoloured(0x000000))
      .expect(409);
    expect(same.body).toMatchObject({ code: 'conflict', details: { version: [first.version] } });

    // The old version runs by its version, and the ledger records which one ran.
    const run = async (version?: string) => {
      const response = await app.request
        .post('/api/comfy/workflows/ver/run')
        .set(user.bearer)
        .send({ params: { width: 4, height: 4 }, ...(version ? { version } : {}) })
        .expect(201);
      return (response.body as ComfyWorkflowRunResponse).prompt_id;
    };
    const oldRun = await run(first.version);
    const newRun = await run();
    await statusOf(app, user, oldRun);
    await statusOf(app, user, newRun);
    const jobs = (await app.request.get('/api/comfy/jobs').set(user.bearer)).body as JobListResponse;
    const history = async (promptId: string) =>
      (await app.request.get(`/api/comfy/history/${promptId}`).set(user.bearer).expect(200)).body as {
        prompt?: unknown;
      };
    expect(jobs.items.map((job) => job.status)).toEqual(['succeeded', 'succeeded']);
    expect(JSON.stringify(await history(oldRun))).not.toBe(JSON.stringify(await history(newRun)));

    const unknown = await app.request
      .post('/api/comfy/workflows/ver/run')
      .set(user.bearer)
      .send({ version: 'abcdefabcdef' })
      .expect(404);
    expect(unknown.body).toMatchObject({ code: 'not_found' });
    await app.request
      .post('/api/comfy/workflows/nothing_here/versions')
      .set(curator.bearer)
      .send(recoloured(1))
      .expect(404);
  });

  it('gives a shipped template a new version that shadows the file; the file version still runs', async () => {
    const { app, user, curator } = await start();
    const shipped = (await app.request.get('/api/comfy/workflows/test_pattern').set(user.bearer).expect(200))
      .body as ComfyWorkflowDetail;
    expect(shipped).toMatchObject({ origin: 'file', versions: [{ origin: 'file', created_at: null }] });
    const next = (
      await app.request
        .post('/api/comfy/workflows/test_pattern/versions')
        .set(curator.bearer)
        .send({ ...recoloured(0xabcdef), title: 'Test pattern, recoloured' })
        .expect(201)
    ).body as ComfyWorkflowDetail;
    expect(next).toMatchObject({ origin: 'saved', title: 'Test pattern, recoloured' });
    expect(next.versions.map((v) => [v.version, v.origin])).toEqual([
      [next.version, 'saved'],
      [shipped.version, 'file'],
    ]);
    const listed = (await list(app, user)).items.filter((item) => item.name === 'test_pattern');
    expect(listed).toEqual([expect.objectContaining({ origin: 'saved', version: next.version })]);
    await app.request
      .post('/api/comfy/workflows/test_pattern/run')
      .set(user.bearer)
      .send({ version: shipped.version, params: { width: 4, height: 4 } })
      .expect(201);
  });
});

describe('GET /api/comfy/workflows/:name', () => {
  it('answers 404 for unknown and malformed names, and leaves the fixed paths alone', async () => {
    const { app, user } = await start();
    expect(
      (await app.request.get('/api/comfy/workflows/nope').set(user.bearer).expect(404)).body,
    ).toMatchObject({
      code: 'not_found',
    });
    await app.request.get('/api/comfy/workflows/..%2Fsecrets').set(user.bearer).expect(404);
    await app.request.get('/api/comfy/workflows/convert').set(user.bearer).expect(404);
    await app.request
      .post('/api/comfy/workflows/convert')
      .set(user.bearer)
      .send({ workflow: patternPrompt })
      .expect(200);
    await app.request.get('/api/comfy/workflows/test_pattern').expect(401);
  });
});
