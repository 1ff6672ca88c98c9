import type {
  ComfyStatusResponse,
  GalleryImageDetail,
  IngestFromJobResponse,
  JobListResponse,
  Txt2ImgResponse,
} from '@atelier/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startComfyHarness, waitFor, type ComfyHarness } from './comfy-kit.js';
import type { TestApp, TestSession } from './test-app.js';

interface ApiNode {
  class_type: string;
  inputs: Record<string, unknown>;
}

let harness: ComfyHarness;
let app: TestApp;
let user: TestSession;

beforeEach(async () => {
  // The models the simulator lists: one fake checkpoint and one fake LoRA.
  harness = await startComfyHarness({
    sim: { stepMs: 2, models: { checkpoints: ['fake-model.safetensors'], loras: ['fake-lora.safetensors'] } },
  });
  app = harness.app;
  user = await app.login('user');
});

afterEach(async () => {
  await harness.close();
});

function txt2img(body: Record<string, unknown>, key?: string) {
  const call = app.request.post('/api/comfy/txt2img').set(user.bearer);
  if (key) call.set('Idempotency-Key', key);
  return call.send(body);
}

function nodesOf(workflow: Record<string, unknown>, classType: string): ApiNode[] {
  return Object.values(workflow as Record<string, ApiNode>).filter((node) => node.class_type === classType);
}

const small = { width: 64, height: 64, steps: 2 };

describe('POST /api/comfy/txt2img', () => {
  it('builds the core graph, draws a seed when none is given, returns it and runs the job', async () => {
    const response = await txt2img({ caption: 'a red fox', ...small, cfg: 4.5 }).expect(201);
    const body = response.body as Txt2ImgResponse;
    expect(body.seed).toEqual(expect.any(Number));
    expect(body.seed).toBeGreaterThanOrEqual(0);
    const [sampler] = nodesOf(body.workflow, 'KSampler');
    expect(sampler?.inputs).toMatchObject({ seed: body.seed, steps: 2, cfg: 4.5 });
    for (const core of ['CheckpointLoaderSimple', 'EmptyLatentImage', 'VAEDecode', 'SaveImage']) {
      expect(nodesOf(body.workflow, core), core).toHaveLength(1);
    }
    expect(nodesOf(body.workflow, 'CLIPTextEncode').map((node) => node.inputs.text)).toContain('a red fox');
    expect(nodesOf(body.workflow, 'CheckpointLoaderSimple')[0]?.inputs.ckpt_name).toBe(
      'fake-model.safetensors',
    );

    const done = await waitFor(
      async () =>
        (await app.request.get(`/api/comfy/status/${body.prompt_id}`).set(user.bearer))
          .body as ComfyStatusResponse,
      (s) => s.status === 'succeeded',
    );
    expect(done.images).toHaveLength(1);
    const listed = (await app.request.get('/api/comfy/jobs').set(user.bearer)).body as JobListResponse;
    expect(listed.items[0]).toMatchObject({
      kind: 'txt2img',
      params: { caption: 'a red fox', seed: body.seed },
    });

    const seeded = (await txt2img({ caption: 'again', ...small, seed: 42 }).expect(201))
      .body as Txt2ImgResponse;
    expect(seeded.seed).toBe(42);
    expect(nodesOf(seeded.workflow, 'KSampler')[0]?.inputs.seed).toBe(42);
  });

  it('checks the bounds from the contract', async () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ caption: '' }, 'caption'],
      [{ caption: '   ' }, 'caption'],
      [{}, 'caption'],
      [{ caption: 'x', width: 63 }, 'width'],
      [{ caption: 'x', width: 4104 }, 'width'],
      [{ caption: 'x', width: 100 }, 'width'],
      [{ caption: 'x', height: 72.5 }, 'height'],
      [{ caption: 'x', steps: 0 }, 'steps'],
      [{ caption: 'x', steps: 151 }, 'steps'],
      [{ caption: 'x', cfg: 0 }, 'cfg'],
      [{ caption: 'x', cfg: 20.5 }, 'cfg'],
      [{ caption: 'x', seed: -1 }, 'seed'],
      [{ caption: 'x', seed: 1.5 }, 'seed'],
      [{ caption: 'x', batch_size: 0 }, 'batch_size'],
      [{ caption: 'x', loras: 'fake-lora.safetensors' }, 'loras'],
      [{ caption: 'x', pag: 'yes' }, 'pag'],
      [{ caption: 'x', surprise: true }, 'surprise'],
    ];
    for (const [body, field] of bad) {
      const response = await txt2img(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body, JSON.stringify(body)).toMatchObject({ code: 'validation_failed' });
      expect(Object.keys((response.body as { details: object }).details), JSON.stringify(body)).toContain(
        field,
      );
    }
    const mismatch = await txt2img({
      caption: 'x',
      ...small,
      loras: ['fake-lora.safetensors'],
      lora_weights: [1, 2],
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body).toMatchObject({ details: { lora_weights: expect.any(Array) } });
    await txt2img({ caption: 'x', width: 4096, height: 64, steps: 150, cfg: 20, seed: 0 }).expect(201);
  });

  it('checks checkpoint, sampler and LoRA names against object_info', async () => {
    const checkpoint = await txt2img({ caption: 'x', ...small, checkpoint: 'missing.safetensors' }).expect(
      400,
    );
    expect(checkpoint.body).toMatchObject({
      details: { checkpoint: [expect.stringContaining('missing.safetensors')] },
    });
    const sampler = await txt2img({ caption: 'x', ...small, sampler: 'warp_drive' }).expect(400);
    expect(sampler.body).toMatchObject({ details: { sampler: expect.any(Array) } });
    const lora = await txt2img({ caption: 'x', ...small, loras: ['nope.safetensors'] }).expect(400);
    expect(lora.body).toMatchObject({ details: { loras: expect.any(Array) } });

    const ok = (
      await txt2img({
        caption: 'x',
        ...small,
        checkpoint: 'fake-model.safetensors',
        loras: ['fake-lora.safetensors'],
        lora_weights: [0.6],
      }).expect(201)
    ).body as Txt2ImgResponse;
    expect(nodesOf(ok.workflow, 'LoraLoader')[0]?.inputs).toMatchObject({
      lora_name: 'fake-lora.safetensors',
      strength_model: 0.6,
    });
  });

  it('answers 422 naming the node classes an advanced switch needs', async () => {
    const response = await txt2img({ caption: 'x', ...small, detail_daemon: true }).expect(422);
    expect(response.body).toMatchObject({
      code: 'comfy.unsupported_feature',
      details: { missing_node_classes: expect.arrayContaining(['DetailDaemonSamplerNode']) },
    });
    expect((response.body as { message: string }).message).toContain('DetailDaemonSamplerNode');
    const pag = (await txt2img({ caption: 'x', ...small, pag: true }).expect(201)).body as Txt2ImgResponse;
    expect(nodesOf(pag.workflow, 'PerturbedAttentionGuidance')).toHaveLength(1);
  });

  it('patches a preset instead of building the core graph', async () => {
    const response = await txt2img({ caption: 'a harbour', preset: 'sample_basic_sdxl', steps: 3 }).expect(
      201,
    );
    const body = response.body as Txt2ImgResponse;
    expect(nodesOf(body.workflow, 'SaveImage')[0]?.inputs.filename_prefix).toBe('atelier/sdxl');
    expect(nodesOf(body.workflow, 'KSampler')[0]?.inputs).toMatchObject({
      sampler_name: 'dpmpp_2m',
      scheduler: 'karras',
      steps: 3,
      seed: body.seed,
    });
    expect(nodesOf(body.workflow, 'EmptyLatentImage')[0]?.inputs).toMatchObject({
      width: 1024,
      height: 1024,
    });
    // The preset's contract is stricter than the API's bounds.
    const tooSmall = await txt2img({ caption: 'x', preset: 'sample_basic_sdxl', width: 256 }).expect(400);
    expect(tooSmall.body).toMatchObject({ details: { width: expect.any(Array) } });
    const unknown = await txt2img({ caption: 'x', preset: 'no_such_preset' }).expect(400);
    expect(unknown.body).toMatchObject({ details: { preset: expect.any(Array) } });
  });

  it('returns the first seed and job when a request is retried with its Idempotency-Key', async () => {
    const first = (await txt2img({ caption: 'once', ...small }, 'tx-1').expect(201)).body as Txt2ImgResponse;
    const again = (await txt2img({ caption: 'once', ...small }, 'tx-1').expect(201)).body as Txt2ImgResponse;
    expect(again).toEqual(first);
    const listed = (await app.request.get('/api/comfy/jobs').set(user.bearer)).body as JobListResponse;
    expect(listed.items).toHaveLength(1);
  });
});

describe('the gallery job source', () => {
  it('hands a finished job, its image bytes and its parameters to the gallery', async () => {
    const curator = await app.login('curator');
    const queued = await app.request
      .post('/api/comfy/txt2img')
      .set(curator.bearer)
      .send({ caption: 'keep me', ...small, seed: 7 })
      .expect(201);
    const { prompt_id: promptId } = queued.body as Txt2ImgResponse;
    await waitFor(
      async () =>
        (await app.request.get(`/api/comfy/status/${promptId}`).set(curator.bearer))
          .body as ComfyStatusResponse,
      (s) => s.status === 'succeeded',
    );
    const kept = (
      await app.request
        .post('/api/comfy/ingest/from-job')
        .set(curator.bearer)
        .send({ prompt_id: promptId })
        .expect(200)
    ).body as IngestFromJobResponse;
    expect(kept.items).toHaveLength(1);
    const id = kept.items[0]?.image.id;
    const detail = (await app.request.get(`/api/gallery/images/${id}`).set(curator.bearer).expect(200))
      .body as GalleryImageDetail;
    expect(detail.provenance).toMatchObject({
      prompt_id: promptId,
      params: { caption: 'keep me', seed: 7 },
      source: { subfolder: 'atelier', type: 'output' },
    });
    expect(detail.provenance.workflow).toEqual((queued.body as Txt2ImgResponse).workflow);
  });
});
