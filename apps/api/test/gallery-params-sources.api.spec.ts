import type {
  ComfyStatusResponse,
  ComfyWorkflowRunResponse,
  GalleryImage,
  GalleryImageDetail,
  IngestFromJobResponse,
  Txt2ImgResponse,
} from '@atelier/contract';
import { readFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simJson, startComfyHarness, waitFor, type ComfyHarness } from './comfy-kit.js';
import { images, ingest } from './gallery-fixtures.js';
import { apiPrompt, searchIds } from './gallery-search-kit.js';
import type { TestApp, TestSession } from './test-app.js';

/** A ComfyUI output as recorded: its `prompt` chunk is EmptyImage → ImageInvert → ImageScale → SaveImage. */
const recordedOutput = readFile(
  new URL('../../../packages/comfy-sim/test/recordings/view_output_png.png', import.meta.url),
);

/** A PNG with tEXt chunks right after IHDR (sharp cannot write them; readers stop at the image data). */
async function pngWithText(chunks: Record<string, string>): Promise<Buffer> {
  const png = await images.png();
  const ihdrEnd = 8 + 8 + png.readUInt32BE(8) + 4;
  const text = Object.entries(chunks).map(([key, value]) => {
    const body = Buffer.concat([Buffer.from(`tEXt${key}\0`, 'latin1'), Buffer.from(value, 'latin1')]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length - 4);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  });
  return Buffer.concat([png.subarray(0, ihdrEnd), ...text, png.subarray(ihdrEnd)]);
}

/** A UI-format workflow (the editor's graph, widget values by position): not an API prompt. */
const uiWorkflow = {
  last_node_id: 2,
  last_link_id: 0,
  nodes: [
    {
      id: 1,
      type: 'KSampler',
      pos: [0, 0],
      size: [300, 260],
      inputs: [],
      outputs: [],
      widgets_values: [99, 'fixed', 20, 7, 'euler', 'normal', 1],
    },
    { id: 2, type: 'CLIPTextEncode', pos: [0, 300], size: [300, 100], widgets_values: ['a mossy well'] },
  ],
  links: [],
  groups: [],
  version: 0.4,
};

/** Images kept through the real paths, their parameters read by ingest from the source each offers. */
describe('where a kept image’s parameters come from', () => {
  let harness: ComfyHarness;
  let app: TestApp;
  let curator: TestSession;

  beforeAll(async () => {
    harness = await startComfyHarness({ sim: { stepMs: 2 } });
    app = harness.app;
    curator = await app.login('curator');
  });
  afterAll(() => harness.close());

  const detail = async (id: number): Promise<GalleryImageDetail> =>
    (await app.request.get(`/api/gallery/images/${id}`).set(curator.bearer).expect(200))
      .body as GalleryImageDetail;

  /** Waits for the job to succeed and keeps its image (POST /api/comfy/ingest/from-job). */
  async function keepJob(promptId: string): Promise<GalleryImageDetail> {
    const done = await waitFor(
      async () =>
        (await app.request.get(`/api/comfy/status/${promptId}`).set(curator.bearer))
          .body as ComfyStatusResponse,
      (status) => status.status !== 'queued' && status.status !== 'running',
    );
    expect(done.status).toBe('succeeded');
    const kept = (
      await app.request
        .post('/api/comfy/ingest/from-job')
        .set(curator.bearer)
        .send({ prompt_id: promptId })
        .expect(200)
    ).body as IngestFromJobResponse;
    return detail(kept.items[0]!.image.id);
  }

  async function ledgerTemplate(promptId: string) {
    const [row] = await app.sql<{ template_id: string | null; template_version: string | null }>(
      `SELECT "template_id", "template_version" FROM "comfy_jobs" WHERE "prompt_id" = ?`,
      [promptId],
    );
    return row;
  }

  async function backend() {
    const stats = (await simJson(harness.sim, '/system_stats')) as { system: { comfyui_version: string } };
    return { backend: new URL(harness.sim.url).host, backend_version: stats.system.comfyui_version };
  }

  async function upload(file: Buffer, fields: Record<string, string> = {}): Promise<GalleryImageDetail> {
    const res = await ingest(app, curator, file, fields);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return detail((res.body as { image: GalleryImage }).image.id);
  }

  it('a txt2img job: its typed request, the checkpoint its graph used, the ledger’s template, the backend', async () => {
    const request = {
      caption: 'a copper kettle on a windowsill',
      negative: 'smudged, dull',
      seed: 31337,
      steps: 3,
      cfg: 5.5,
      sampler: 'dpmpp_2m',
      loras: ['sim-watercolor.safetensors', 'sim-detail-tweaker.safetensors'],
      lora_weights: [0.7, -0.25],
      width: 64,
      height: 64,
    };
    const queued = (
      await app.request.post('/api/comfy/txt2img').set(curator.bearer).send(request).expect(201)
    ).body as Txt2ImgResponse;
    const checkpoint = Object.values(
      queued.workflow as Record<string, { class_type: string; inputs: Record<string, unknown> }>,
    ).find((node) => node.class_type === 'CheckpointLoaderSimple')?.inputs.ckpt_name;
    expect(checkpoint).toEqual(expect.any(String));
    const ledger = await ledgerTemplate(queued.prompt_id);
    expect(ledger?.template_id).toBe('builtin/txt2img');
    expect(ledger?.template_version).toMatch(/^[0-9a-f]{12}$/);

    const kept = await keepJob(queued.prompt_id);
    expect(kept.params).toEqual({
      positive: request.caption,
      negative: request.negative,
      checkpoint,
      loras: [
        { name: 'sim-watercolor.safetensors', weight: 0.7 },
        { name: 'sim-detail-tweaker.safetensors', weight: -0.25 },
      ],
      sampler: 'dpmpp_2m',
      scheduler: expect.any(String) as string,
      steps: 3,
      cfg: 5.5,
      seed: 31337,
      denoise: 1,
      width: 64,
      height: 64,
      template_id: 'builtin/txt2img',
      template_version: ledger?.template_version,
      ...(await backend()),
      source: 'params',
    });
    expect(await searchIds(app, curator, { q: 'copper kettle lora:watercolor seed:31337' })).toEqual([
      kept.id,
    ]);
  });

  it('a preset through txt2img: typed, with the preset’s own checkpoint and sampler from its graph', async () => {
    const queued = (
      await app.request
        .post('/api/comfy/txt2img')
        .set(curator.bearer)
        .send({ caption: 'a foggy pier at dawn', preset: 'sample_basic_sdxl', steps: 1, seed: 5 })
        .expect(201)
    ).body as Txt2ImgResponse;
    const kept = await keepJob(queued.prompt_id);
    const ledger = await ledgerTemplate(queued.prompt_id);
    expect(ledger?.template_id).toBe('preset/sample_basic_sdxl');
    expect(kept.params).toMatchObject({
      positive: 'a foggy pier at dawn',
      checkpoint: 'sd_xl_base_1.0.safetensors',
      sampler: 'dpmpp_2m',
      scheduler: 'karras',
      steps: 1,
      seed: 5,
      template_id: 'preset/sample_basic_sdxl',
      template_version: ledger?.template_version,
      source: 'params',
    });
  });

  it('a workflow template run: the walk of the graph it patched', async () => {
    const queued = (
      await app.request
        .post('/api/comfy/workflows/basic_txt2img/run')
        .set(curator.bearer)
        .send({
          params: {
            prompt: 'a lantern in a cave',
            negative: 'noise',
            seed: 12,
            steps: 2,
            width: 64,
            height: 64,
          },
        })
        .expect(201)
    ).body as ComfyWorkflowRunResponse;
    const kept = await keepJob(queued.prompt_id);
    const ledger = await ledgerTemplate(queued.prompt_id);
    expect(kept.params).toEqual({
      positive: 'a lantern in a cave',
      negative: 'noise',
      checkpoint: 'v1-5-pruned-emaonly.ckpt',
      loras: [],
      sampler: 'euler',
      scheduler: 'normal',
      steps: 2,
      cfg: 8,
      seed: 12,
      denoise: 1,
      width: 64,
      height: 64,
      template_id: 'workflow/basic_txt2img',
      template_version: ledger?.template_version,
      ...(await backend()),
      source: 'graph',
    });
    expect(await searchIds(app, curator, { q: 'lantern model:v1-5' })).toEqual([kept.id]);
  });

  it('an upload whose PNG carries a ComfyUI prompt with a sampler: the walk of that prompt', async () => {
    const embedded = apiPrompt({
      positive: 'an orchard in the rain',
      negative: 'frame',
      checkpoint: 'orchard_xl.safetensors',
      loras: [['rainy_day.safetensors', 0.4]],
      sampler: 'heun',
      seed: 2024,
    });
    const kept = await upload(await pngWithText({ prompt: JSON.stringify(embedded) }));
    expect(kept.provenance.workflow).toBeNull();
    expect(kept.params).toMatchObject({
      positive: 'an orchard in the rain',
      negative: 'frame',
      checkpoint: 'orchard_xl.safetensors',
      loras: [{ name: 'rainy_day.safetensors', weight: 0.4 }],
      sampler: 'heun',
      seed: 2024,
      template_id: null,
      backend: null,
      source: 'png',
    });
    expect(await searchIds(app, curator, { q: 'orchard model:orchard_xl' })).toEqual([kept.id]);
  });

  it('an upload naming its job: the ledger’s parameters, not what its PNG chunks claim', async () => {
    const queued = (
      await app.request
        .post('/api/comfy/txt2img')
        .set(curator.bearer)
        .send({ caption: 'a paper crane on a desk', seed: 77, steps: 1, width: 64, height: 64 })
        .expect(201)
    ).body as Txt2ImgResponse;
    const claimed = apiPrompt({
      positive: 'something else entirely',
      checkpoint: 'other.safetensors',
      seed: 1,
    });
    const kept = await upload(await pngWithText({ prompt: JSON.stringify(claimed) }), {
      prompt_id: queued.prompt_id,
    });
    expect(kept.params).toMatchObject({
      positive: 'a paper crane on a desk',
      seed: 77,
      template_id: 'builtin/txt2img',
      ...(await backend()),
      source: 'params',
    });
    expect(kept.provenance.workflow).toEqual(queued.workflow);
  });

  it('an upload of a real ComfyUI output whose prompt has no sampler: nothing known', async () => {
    const kept = await upload(await recordedOutput);
    expect(kept.params).toMatchObject({ positive: null, checkpoint: null, sampler: null, source: 'none' });
  });

  it('an upload with an A1111 `parameters` chunk: its prompt and settings', async () => {
    const parameters = [
      'a castle on a hill, golden hour <lora:sunbeams:0.65>',
      'Negative prompt: lowres, bad hands',
      'Steps: 28, Sampler: DPM++ 2M Karras, CFG scale: 6, Seed: 987654321, Size: 512x768, Model: realisticVision_v51',
    ].join('\n');
    const kept = await upload(await pngWithText({ parameters }));
    expect(kept.params).toMatchObject({
      positive: 'a castle on a hill, golden hour <lora:sunbeams:0.65>',
      negative: 'lowres, bad hands',
      checkpoint: 'realisticVision_v51',
      loras: [{ name: 'sunbeams', weight: 0.65 }],
      sampler: 'dpmpp_2m',
      scheduler: 'karras',
      steps: 28,
      cfg: 6,
      seed: 987654321,
      width: 512,
      height: 768,
      source: 'png',
    });
    expect(await searchIds(app, curator, { q: 'castle seed:987654321' })).toEqual([kept.id]);
  });

  it('an upload with only a UI-format workflow and no chunks: nothing known, but it has a workflow', async () => {
    const kept = await upload(await images.png(), { workflow: JSON.stringify(uiWorkflow) });
    const { source, loras, ...values } = kept.params;
    expect(source).toBe('none');
    expect(loras).toEqual([]);
    expect(Object.values(values).every((value) => value === null)).toBe(true);
    expect(await searchIds(app, curator, { has_workflow: 'true', q: kept.sha256 })).toEqual([kept.id]);
  });
});
