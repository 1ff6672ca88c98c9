import type {
  ComfyImageRef,
  ComfyQueueResponse,
  ComfyStatusResponse,
  ComfyUploadResponse,
  JobListResponse,
} from '@atelier/contract';
import sharp from 'sharp';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetFiles, startComfyHarness, usersQueueGraphs, waitFor, type ComfyHarness } from './comfy-kit.js';
import { ComfyImageOwners1764300000000 } from '../src/database/migrations/1764300000000-comfy-image-owners.js';
import { ComfyBackends1764700000100 } from '../src/database/migrations/1764700000100-comfy-backends.js';
import type { TestApp, TestSession } from './test-app.js';

/**
 * Issue 10, defect 4: /view served any file to any user, so ComfyUI's sequential output names could be walked.
 * Now an image is served only to whoever may see the job or upload it belongs to; any other answer is the 404 of
 * a file ComfyUI does not have. And no run may name someone else's upload (or output) as its input.
 */
let harness: ComfyHarness;
let app: TestApp;
let owner: TestSession;
let other: TestSession;
let curator: TestSession;
let admin: TestSession;
let output: ComfyImageRef;
let temp: ComfyImageRef;
let input: ComfyImageRef;
let upload: ComfyUploadResponse;

async function finishedJob(session: TestSession, workflow: Record<string, unknown>) {
  const queued = await app.request
    .post('/api/comfy/queue')
    .set(session.bearer)
    .send({ workflow })
    .expect(201);
  const promptId = (queued.body as ComfyQueueResponse).prompt_id;
  return waitFor(
    async () =>
      (await app.request.get(`/api/comfy/status/${promptId}`).set(session.bearer))
        .body as ComfyStatusResponse,
    (s) => s.status === 'succeeded',
  );
}

function view(session: TestSession, ref: ComfyImageRef) {
  return app.request
    .get('/api/comfy/view')
    .query({ ...ref })
    .set(session.bearer);
}

function loadImageGraph(image: string): Record<string, unknown> {
  return {
    '1': { class_type: 'LoadImage', inputs: { image } },
    '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'atelier/loaded' } },
  };
}

beforeAll(async () => {
  harness = await startComfyHarness({
    sim: { stepMs: 2 },
    env: { ...usersQueueGraphs, ATELIER_CONFIG_DIR: 'cfg' },
    app: {
      files: {
        ...presetFiles,
        // A workflow template whose `image` parameter is LoadImage's input.
        'cfg/comfy/workflows/load_image.api.json': JSON.stringify(loadImageGraph('example.png')),
        'cfg/comfy/params/load_image.schema.json': JSON.stringify({
          type: 'object',
          additionalProperties: false,
          properties: { image: { type: 'string', 'x-patch': [{ node: '1', input: 'image' }] } },
        }),
      },
    },
  });
  app = harness.app;
  owner = await app.login('user', 'owner');
  other = await app.login('user', 'other');
  curator = await app.login('curator');
  admin = await app.login('admin');

  const saved = await finishedJob(owner, {
    '1': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: 0 } },
    '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'atelier/mine' } },
    '3': { class_type: 'PreviewImage', inputs: { images: ['1', 0] } },
  });
  output = saved.images!.find((image) => image.type === 'output')!;
  temp = saved.images!.find((image) => image.type === 'temp')!;
  expect(output).toBeDefined();
  expect(temp).toBeDefined();

  const png = await sharp({ create: { width: 24, height: 16, channels: 3, background: '#c83' } })
    .png()
    .toBuffer();
  upload = (
    await app.request
      .post('/api/comfy/upload')
      .set(owner.bearer)
      .attach('image', png, { filename: 'photo.png', contentType: 'image/png' })
      .expect(201)
  ).body as ComfyUploadResponse;
  input = { filename: upload.name, subfolder: upload.subfolder, type: 'input' };
});

afterAll(async () => {
  await harness.close();
});

describe('GET /api/comfy/view: who sees which image', () => {
  const unknown: ComfyImageRef = { filename: 'mine_99999_.png', subfolder: 'atelier', type: 'output' };

  const cases = [
    ['job output', () => output],
    ['job preview (temp)', () => temp],
    ['uploaded input', () => input],
  ] as const;

  it.each(cases)('%s: the owner, curators and admins get it', async (_kind, ref) => {
    for (const session of [owner, curator, admin]) {
      const response = await view(session, ref()).expect(200);
      expect(response.headers['content-type'], session.user.role).toBe('image/png');
    }
  });

  it.each(cases)('%s: another user gets the 404 of a file that does not exist', async (_kind, ref) => {
    const missing = await view(other, unknown).expect(404);
    const foreign = await view(other, ref()).expect(404);
    expect(foreign.body).toEqual(missing.body);
    expect(foreign.body).toEqual({ code: 'not_found', message: 'ComfyUI has no such image' });
    // Nothing to tell them apart by, including the headers a cache or a browser would keep.
    expect(foreign.headers['content-type']).toBe(missing.headers['content-type']);
    expect(foreign.headers.etag).toBe(missing.headers.etag);
  });

  it('an unknown file is 404 for everyone, whatever the role', async () => {
    for (const session of [owner, other, curator, admin]) {
      const response = await view(session, unknown).expect(404);
      expect(response.body, session.user.role).toEqual({
        code: 'not_found',
        message: 'ComfyUI has no such image',
      });
    }
  });

  it('the same name in another folder or of another type is not the owner’s image', async () => {
    await view(owner, { ...output, type: 'temp' }).expect(404);
    await view(owner, { ...output, subfolder: '' }).expect(404);
    await view(owner, { ...input, type: 'output' }).expect(404);
  });

  it('walking the sequential output names finds nothing of another user’s', async () => {
    const counter = /_(\d{5})_\.png$/.exec(output.filename)?.[1];
    expect(counter).toBeDefined();
    for (let n = 1; n <= 3; n++) {
      const filename = output.filename.replace(/_\d{5}_\.png$/, `_${String(n).padStart(5, '0')}_.png`);
      await view(other, { ...output, filename }).expect(404);
    }
  });
});

describe('the migration that brings in ownership', () => {
  it('credits the jobs and uploads already in the ledger to their owners', async () => {
    const db = app.nest.get(DataSource);
    const rows = () =>
      db.query(
        `SELECT type, subfolder, filename, owner_id FROM comfy_image_owners ORDER BY type, subfolder, filename, owner_id`,
      );
    // The fill is SQLite's alone: a Postgres database is made by every migration on an empty database, so
    // there is nothing to credit (the migration's comment); there, only the rows the app recorded are checked.
    if (app.engine === 'sqlite') {
      const runner = db.createQueryRunner();
      try {
        const recorded = (await rows()) as unknown[];
        const migration = new ComfyImageOwners1764300000000();
        // The pool's migration rebuilt the table since (the backend joined its key): undone first, redone after.
        const pool = new ComfyBackends1764700000100();
        await pool.down(runner);
        await migration.down(runner);
        await migration.up(runner);
        await pool.up(runner);
        expect(await rows()).toEqual(recorded);
      } finally {
        await runner.release();
      }
    }
    expect(await rows()).toEqual(
      expect.arrayContaining([output, temp, input].map((ref) => ({ ...ref, owner_id: owner.user.id }))),
    );
  });
});

describe('runs cannot name someone else’s upload or output', () => {
  const fieldOf = (body: unknown) => Object.keys((body as { details: Record<string, string[]> }).details);

  async function jobsOf(session: TestSession): Promise<number> {
    const list = (await app.request.get('/api/comfy/jobs').set(session.bearer).expect(200))
      .body as JobListResponse;
    return list.items.length;
  }

  it('POST /queue with another user’s upload answers as for a name that does not exist, and queues nothing', async () => {
    const before = await jobsOf(other);
    const nobodys = `${upload.subfolder}/atelier-0123456789abcdef.png`;
    const absent = await app.request
      .post('/api/comfy/queue')
      .set(other.bearer)
      .send({ workflow: loadImageGraph(nobodys) })
      .expect(400);
    const foreign = await app.request
      .post('/api/comfy/queue')
      .set(other.bearer)
      .send({ workflow: loadImageGraph(upload.image) })
      .expect(400);
    expect(foreign.body).toMatchObject({
      code: 'validation_failed',
      details: { '1.inputs.image': expect.any(Array) },
    });
    expect(JSON.stringify(foreign.body).replaceAll(upload.image, nobodys)).toBe(JSON.stringify(absent.body));
    expect(fieldOf(foreign.body)).toEqual(['1.inputs.image']);
    expect(await jobsOf(other)).toBe(before);
  });

  it('a workflow template run with another user’s upload as a parameter is refused alike', async () => {
    const run = (session: TestSession, image: string) =>
      app.request.post('/api/comfy/workflows/load_image/run').set(session.bearer).send({ params: { image } });
    const foreign = await run(other, upload.image).expect(400);
    expect(foreign.body).toMatchObject({
      code: 'validation_failed',
      details: { '1.inputs.image': [expect.stringContaining(upload.image)] },
    });
    await run(owner, upload.image).expect(201);
  });

  it('the owner, curators and admins may use the upload', async () => {
    for (const session of [owner, curator, admin]) {
      const done = await finishedJob(session, loadImageGraph(upload.image));
      expect(done.status, session.user.role).toBe('succeeded');
    }
  });

  it('an annotated output or temp path ("name [output]") is held to /view’s rule', async () => {
    for (const ref of [output, temp]) {
      const value = `${ref.subfolder}/${ref.filename} [${ref.type}]`;
      const refused = await app.request
        .post('/api/comfy/queue')
        .set(other.bearer)
        .send({ workflow: loadImageGraph(value) })
        .expect(400);
      expect(refused.body).toMatchObject({
        code: 'validation_failed',
        details: { '1.inputs.image': expect.any(Array) },
      });
      expect((await finishedJob(owner, loadImageGraph(value))).status).toBe('succeeded');
    }
  });

  it('txt2img refuses another user’s upload as image or mask, with the same words as an unknown one', async () => {
    const foreign = await app.request
      .post('/api/comfy/txt2img')
      .set(other.bearer)
      .send({ caption: 'x', image: upload.image, steps: 1 })
      .expect(400);
    expect(foreign.body).toMatchObject({ code: 'validation_failed', details: { image: expect.any(Array) } });
  });
});
