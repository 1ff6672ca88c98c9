import { startComfySim, type ComfySim } from '@atelier/comfy-sim';
import type { GalleryImage } from '@atelier/contract';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JobOutputs } from '../src/comfy/job-outputs.js';
import { JobsRepository } from '../src/comfy/jobs.repository.js';
import { IngestService } from '../src/gallery/ingest.service.js';
import { AppError } from '../src/common/app-error.js';
import {
  filesUnder,
  images,
  ingest,
  SimJobSource,
  type GalleryJobSource,
  twoImagePrompt,
  noTemplateOrBackend,
} from './gallery-fixtures.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

const comfyOn = { COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' };
const params = { caption: 'two swatches', seed: 42, steps: 1 };

describe('POST /api/comfy/ingest/from-job (ComfyUI simulator behind the job source)', () => {
  let sim: ComfySim;
  let app: TestApp;
  let source: SimJobSource;
  let curator: TestSession;

  beforeAll(async () => {
    sim = await startComfySim({ port: 0, stepMs: 5 });
  });
  afterAll(() => sim.close());
  afterEach(() => app.close());

  async function start(
    jobSource: GalleryJobSource = new SimJobSource(sim.url),
    env: Record<string, string> = comfyOn,
  ) {
    if (jobSource instanceof SimJobSource) source = jobSource;
    app = await createTestApp({ env, overrides: [[JobOutputs, jobSource]] });
    curator = await app.login('curator');
  }

  const fromJob = (session: TestSession, body: unknown) =>
    app.request
      .post('/api/comfy/ingest/from-job')
      .set(session.bearer)
      .send(body as object);

  it('keeps every image of a job with its provenance, and answers duplicates the second time', async () => {
    await start();
    const promptId = await source.run(twoImagePrompt(), { owner_id: curator.user.id, params });
    const job = await source.findJob(promptId);
    expect(job?.images).toHaveLength(2);

    const res = await fromJob(curator, { prompt_id: promptId });
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(2);
    const kept = (res.body.items as { image: GalleryImage; duplicate: boolean }[]).map((item) => item.image);
    expect(res.body.items.map((item: { duplicate: boolean }) => item.duplicate)).toEqual([false, false]);
    expect(kept.map((image) => [image.mime, image.width, image.height, image.prompt_id])).toEqual([
      ['image/png', 64, 48, promptId],
      ['image/png', 32, 48, promptId],
    ]);

    const detail = await app.request.get(`/api/gallery/images/${kept[1]?.id}`).set(curator.bearer);
    expect(detail.body.provenance).toEqual({
      prompt_id: promptId,
      params,
      workflow: twoImagePrompt(),
      metadata: {},
      source: job?.images[1],
    });
    const day = kept[0]!.created_at.slice(0, 10);
    const sidecar = JSON.parse(
      await readFile(join(app.rootDir, 'generated/comfy', day, `${kept[0]!.sha256}.json`), 'utf8'),
    );
    expect(sidecar).toMatchObject({ prompt_id: promptId, params, source: job?.images[0] });
    // The bytes are exactly what ComfyUI served.
    expect(await readFile(join(app.rootDir, 'generated/comfy', day, `${kept[0]!.sha256}.png`))).toEqual(
      await source.fetchImage(job!.images[0]!),
    );

    const again = await fromJob(curator, { prompt_id: promptId });
    expect(again.body.items.map((item: { duplicate: boolean }) => item.duplicate)).toEqual([true, true]);
    expect(again.body.items.map((item: { image: GalleryImage }) => item.image.id)).toEqual(
      kept.map((i) => i.id),
    );
    expect(await filesUnder(app, 'generated/comfy')).toHaveLength(4);
  });

  it('keeps only the chosen images, and refuses images that are not the job’s', async () => {
    await start();
    const promptId = await source.run(twoImagePrompt(), { owner_id: curator.user.id, params: null });
    const job = await source.findJob(promptId);
    const second = job!.images[1]!;
    source.fetched.length = 0;

    const res = await fromJob(curator, { prompt_id: promptId, images: [second] });
    expect(res.status).toBe(200);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0].image.width).toBe(32);
    expect(source.fetched).toEqual([second]);

    const stranger = await fromJob(curator, {
      prompt_id: promptId,
      images: [second, { filename: 'someone_else_00001_.png', subfolder: '', type: 'output' }],
    });
    expect(stranger.status).toBe(400);
    expect(stranger.body).toMatchObject({
      code: 'validation_failed',
      details: { 'images.1': ['is not an image of this job'] },
    });
    expect(await filesUnder(app, 'generated/comfy')).toHaveLength(2);
  });

  it('lets a curator keep the images of another user’s job', async () => {
    await start();
    const author = await app.login('user', 'author');
    const promptId = await source.run(twoImagePrompt(), { owner_id: author.user.id, params });
    const res = await fromJob(curator, { prompt_id: promptId });
    expect(res.status).toBe(200);
    expect(res.body.items[0].image.created_by).toEqual({
      id: curator.user.id,
      username: curator.user.username,
    });
    const refused = await fromJob(author, { prompt_id: promptId });
    expect([refused.status, refused.body.code]).toEqual([403, 'auth.forbidden']);
  });

  it('answers 404 comfy.job_not_found for an unknown prompt and 400 for a malformed body', async () => {
    await start();
    const unknown = await fromJob(curator, { prompt_id: '00000000-0000-4000-8000-000000000000' });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'comfy.job_not_found']);
    for (const body of [
      {},
      { prompt_id: '../history' },
      { prompt_id: 'abc', images: [] },
      { prompt_id: 'abc', images: [{ filename: 'a.png', subfolder: '', type: 'elsewhere' }] },
      { prompt_id: 'abc', extra: true },
    ]) {
      const res = await fromJob(curator, body);
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([400, 'validation_failed']);
    }
  });

  it('answers 409 when the job has no images yet', async () => {
    await start();
    const promptId = '5f0c7b8e-1d2a-4c3b-9e4f-0a1b2c3d4e5f';
    source.ledger.set(promptId, { owner_id: curator.user.id, params: null });
    const res = await fromJob(curator, { prompt_id: promptId });
    expect([res.status, res.body.code]).toEqual([409, 'conflict']);
    expect(res.body.message).toMatch(/no images .*queued/);
  });

  it('records the ledger’s params on an upload that names the job', async () => {
    await start();
    const promptId = await source.run(twoImagePrompt(), { owner_id: curator.user.id, params });
    const job = await source.findJob(promptId);
    const bytes = await source.fetchImage(job!.images[0]!);
    const res = await ingest(app, curator, bytes, { prompt_id: promptId, metadata: '{"via":"browser"}' });
    expect(res.status).toBe(201);
    const detail = await app.request.get(`/api/gallery/images/${res.body.image.id}`).set(curator.bearer);
    // The upload carried no workflow: the one the ledger knows is kept.
    expect(detail.body.provenance).toEqual({
      prompt_id: promptId,
      params,
      workflow: twoImagePrompt(),
      metadata: { via: 'browser' },
      source: null,
    });
  });

  it('answers 502 comfy.unreachable when ComfyUI cannot be reached, while uploads still work', async () => {
    const offline = new SimJobSource('http://127.0.0.1:9');
    const promptId = 'a1b2c3d4-0000-4000-8000-000000000001';
    offline.ledger.set(promptId, { owner_id: 1, params });
    await start(offline);
    const res = await fromJob(curator, { prompt_id: promptId });
    expect([res.status, res.body.code]).toEqual([502, 'comfy.unreachable']);
    expect(await filesUnder(app, 'generated')).toEqual([]);

    const upload = await ingest(app, curator, await images.png(), { prompt_id: promptId });
    expect(upload.status).toBe(201);
    const detail = await app.request.get(`/api/gallery/images/${upload.body.image.id}`).set(curator.bearer);
    expect(detail.body.provenance.params).toBeNull();
  });

  it('stores nothing when one of the chosen images turns out not to be an image', async () => {
    const promptId = 'a1b2c3d4-0000-4000-8000-000000000002';
    const refs = [
      { filename: 'good.png', subfolder: '', type: 'output' as const },
      { filename: 'bad.png', subfolder: '', type: 'output' as const },
    ];
    const good = await images.png();
    await start({
      findJob: async (id) =>
        id === promptId
          ? {
              prompt_id: id,
              owner_id: 1,
              params: null,
              workflow: null,
              images: refs,
              status: 'succeeded',
              ...noTemplateOrBackend,
            }
          : null,
      fetchImage: async (ref) => (ref.filename === 'good.png' ? good : Buffer.from('<html>oops</html>')),
    });
    const res = await fromJob(curator, { prompt_id: promptId });
    expect([res.status, res.body.code]).toEqual([415, 'unsupported_media_type']);
    expect(await filesUnder(app, 'generated')).toEqual([]);
  });

  it('refuses a fetched image over ATELIER_INGEST_MAX_BYTES with 413', async () => {
    const promptId = 'a1b2c3d4-0000-4000-8000-000000000003';
    const big = await images.noisyPng();
    const ref = { filename: 'big.png', subfolder: '', type: 'output' as const };
    await start(
      {
        findJob: async (id) =>
          id === promptId
            ? {
                prompt_id: id,
                owner_id: 1,
                params: null,
                workflow: null,
                images: [ref],
                status: 'succeeded',
                ...noTemplateOrBackend,
              }
            : null,
        fetchImage: async () => big,
      },
      { ...comfyOn, ATELIER_INGEST_MAX_BYTES: '4096' },
    );
    const res = await fromJob(curator, { prompt_id: promptId });
    expect(res.status).toBe(413);
    expect(res.body).toEqual({
      code: 'payload_too_large',
      message: 'The image is larger than the limit of 4 KiB',
      details: { max_bytes: 4096 },
    });
    expect(await filesUnder(app, 'generated')).toEqual([]);
  });

  it('answers 503 comfy.disabled when the integration is off', async () => {
    await start(new SimJobSource(sim.url), { ...comfyOn, COMFY_ENABLED: 'false' });
    const res = await fromJob(curator, { prompt_id: 'abc' });
    expect([res.status, res.body.code]).toEqual([503, 'comfy.disabled']);
  });

  it('answers comfy.disabled (503) from the real job outputs while the integration is off', async () => {
    app = await createTestApp({ env: { COMFY_ENABLED: 'false' } });
    curator = await app.login('curator');
    const promptId = 'a1b2c3d4-0000-4000-8000-000000000004';
    const ledger = app.nest.get(JobsRepository);
    await ledger.insert({
      promptId,
      ownerId: curator.user.id,
      kind: 'workflow',
      comfyClientId: 'tests',
      callerClientId: null,
      idempotencyKey: null,
      requestHash: 'tests',
      workflow: twoImagePrompt(),
      params: null,
      templateId: null,
      templateVersion: null,
    });
    await ledger.update(promptId, {
      status: 'succeeded',
      images: [{ filename: 'first_00001_.png', subfolder: '', type: 'output' }],
    });
    const ingestService = app.nest.get(IngestService);
    const error = await ingestService
      .fromJob(curator.user, { prompt_id: promptId })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('comfy.disabled');
    // Uploads do not need it.
    const stored = await ingestService.store(
      curator.user,
      { buffer: await images.png() },
      { prompt_id: 'abc' },
    );
    expect(stored.duplicate).toBe(false);
  });
});
