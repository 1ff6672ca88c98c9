import { encodePng } from '@atelier/comfy-sim';
import type { ComfyImportResponse, ComfyImageRef, ComfyStatusResponse } from '@atelier/contract';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startComfyHarness, waitFor, type ComfyHarness } from './comfy-kit.js';
import type { TestSession } from './test-app.js';

/** POST /api/comfy/workflows/import: a workflow from a .json, PNG or WebP file, previewed with typed widgets. */
const golden = JSON.parse(
  readFileSync(
    fileURLToPath(
      new URL(
        '../../../packages/workflow/test/recordings/workflow-to-prompt/01_default_workflow.json',
        import.meta.url,
      ),
    ),
    'utf8',
  ),
) as { workflow: Record<string, unknown>; output: Record<string, { class_type: string; inputs: object }> };

const maxBytes = 256 * 1024;
let harness: ComfyHarness;
let user: TestSession;

beforeAll(async () => {
  harness = await startComfyHarness({ env: { ATELIER_UPLOAD_MAX_BYTES: String(maxBytes) } });
  user = await harness.app.login('user');
});
afterAll(() => harness.close());

const importFile = (bytes: Buffer, filename = 'workflow.json', part = 'file') =>
  harness.app.request
    .post('/api/comfy/workflows/import')
    .set(user.bearer)
    .attach(part, bytes, { filename, contentType: 'application/octet-stream' });

const json = (value: unknown) => Buffer.from(JSON.stringify(value));

function pngWith(texts: Record<string, string>): Buffer {
  const data = new Uint8Array(4 * 4 * 3).fill(128);
  return encodePng({ width: 4, height: 4, channels: 3, data }, { texts: Object.entries(texts) });
}

/** A WebP as SaveAnimatedWEBP writes it: an EXIF chunk (PIL's "Exif\0\0" + little-endian TIFF, ASCII tags in IFD0). */
function webpWith(entries: [number, string][]): Buffer {
  const count = entries.length;
  let dataAt = 8 + 2 + count * 12 + 4;
  const ifd = Buffer.alloc(2 + count * 12 + 4);
  ifd.writeUInt16LE(count, 0);
  const values: Buffer[] = [];
  entries.forEach(([tag, text], i) => {
    const bytes = Buffer.from(`${text}\0`, 'latin1');
    ifd.writeUInt16LE(tag, 2 + i * 12);
    ifd.writeUInt16LE(2, 4 + i * 12);
    ifd.writeUInt32LE(bytes.length, 6 + i * 12);
    ifd.writeUInt32LE(dataAt, 10 + i * 12);
    values.push(bytes);
    dataAt += bytes.length;
  });
  const tiff = Buffer.concat([Buffer.from('Exif\0\0II*\0\x08\0\0\0', 'latin1'), ifd, ...values]);
  const chunk = (type: string, body: Buffer) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'latin1');
    head.writeUInt32LE(body.length, 4);
    return Buffer.concat([head, body, Buffer.alloc(body.length % 2)]);
  };
  const body = Buffer.concat([Buffer.from('WEBP'), chunk('VP8L', Buffer.alloc(9, 1)), chunk('EXIF', tiff)]);
  const riff = Buffer.alloc(8);
  riff.write('RIFF', 0, 'latin1');
  riff.writeUInt32LE(body.length, 4);
  return Buffer.concat([riff, body]);
}

function nodeOf(body: ComfyImportResponse, classType: string) {
  return body.nodes.find((node) => node.class_type === classType);
}

describe('POST /api/comfy/workflows/import', () => {
  it('reads a UI workflow .json: the prompt the UI would queue, nodes with widgets typed from object_info', async () => {
    const res = await importFile(json(golden.workflow)).expect(200);
    const body = res.body as ComfyImportResponse;
    expect(body.source).toBe('json');
    expect(body.format).toBe('ui');
    expect(body.workflow).toEqual(golden.workflow);
    expect(body.prompt).toEqual(golden.output);
    expect(body.nodes.map((node) => node.id).sort()).toEqual(Object.keys(golden.output).sort());
    const sampler = nodeOf(body, 'KSampler');
    expect(sampler?.widgets.find((w) => w.input === 'steps')).toEqual({
      input: 'steps',
      value: 20,
      type: 'INT',
      min: 1,
      max: 10000,
    });
    expect(sampler?.widgets.find((w) => w.input === 'cfg')).toMatchObject({
      type: 'FLOAT',
      value: 8,
      step: 0.1,
    });
    const samplerName = sampler?.widgets.find((w) => w.input === 'sampler_name');
    expect(samplerName?.type).toBe('COMBO');
    expect(samplerName?.options).toContain('euler');
    // Links are not widgets.
    expect(sampler?.widgets.map((w) => w.input)).not.toContain('model');
    expect(nodeOf(body, 'CLIPTextEncode')?.widgets[0]).toMatchObject({ type: 'STRING', multiline: true });
    expect(nodeOf(body, 'CheckpointLoaderSimple')?.widgets[0]?.options).toContain('v1-5-pruned-emaonly.ckpt');
  });

  it('reads an API prompt .json as it is', async () => {
    const body = (await importFile(json(golden.output), 'prompt.json').expect(200))
      .body as ComfyImportResponse;
    expect(body).toMatchObject({ source: 'json', format: 'api', workflow: null, warnings: [] });
    expect(body.prompt).toEqual(golden.output);
    expect(nodeOf(body, 'EmptyLatentImage')?.widgets.map((w) => w.input)).toEqual([
      'width',
      'height',
      'batch_size',
    ]);
  });

  it('reads the workflow a PNG carries in its text chunks, preferring the UI workflow to the prompt', async () => {
    const both = pngWith({
      prompt: JSON.stringify(golden.output),
      workflow: JSON.stringify(golden.workflow),
    });
    const body = (await importFile(both, 'ComfyUI_00001_.png').expect(200)).body as ComfyImportResponse;
    expect(body).toMatchObject({ source: 'png', format: 'ui' });
    expect(body.prompt).toEqual(golden.output);

    const promptOnly = pngWith({ prompt: JSON.stringify(golden.output) });
    const alone = (await importFile(promptOnly, 'a.png').expect(200)).body as ComfyImportResponse;
    expect(alone).toMatchObject({ source: 'png', format: 'api', workflow: null });
  });

  it('reads the prompt ComfyUI wrote into an image it saved (a finished job, fetched through /view)', async () => {
    const queued = await harness.app.request
      .post('/api/comfy/txt2img')
      .set(user.bearer)
      .send({ caption: 'a lighthouse', width: 64, height: 64, steps: 2, seed: 11 })
      .expect(201);
    const promptId = (queued.body as { prompt_id: string }).prompt_id;
    const done = await waitFor(
      async () =>
        (await harness.app.request.get(`/api/comfy/status/${promptId}`).set(user.bearer))
          .body as ComfyStatusResponse,
      (status) => status.status === 'succeeded',
    );
    const ref = done.images?.[0] as ComfyImageRef;
    const view = await harness.app.request
      .get('/api/comfy/view')
      .query({ filename: ref.filename, subfolder: ref.subfolder, type: ref.type })
      .set(user.bearer)
      .buffer(true)
      .expect(200);
    const body = (await importFile(view.body as Buffer, ref.filename).expect(200))
      .body as ComfyImportResponse;
    expect(body.source).toBe('png');
    expect(body.prompt).toEqual((queued.body as { workflow: unknown }).workflow);
    expect(nodeOf(body, 'KSampler')?.widgets.find((w) => w.input === 'seed')?.value).toBe(11);
  });

  it("falls back to an image's prompt when its UI workflow cannot be converted, saying so", async () => {
    const broken = { ...golden.workflow, nodes: [{ id: 1, type: 'NoSuchNodeAnywhere', mode: 0 }], links: [] };
    const png = pngWith({ prompt: JSON.stringify(golden.output), workflow: JSON.stringify(broken) });
    const body = (await importFile(png, 'a.png').expect(200)).body as ComfyImportResponse;
    expect(body.format).toBe('api');
    expect(body.prompt).toEqual(golden.output);
    expect(body.warnings[0]?.message).toContain("the image's API prompt is used");
  });

  it('reads the EXIF tags of a WebP saved by SaveAnimatedWEBP', async () => {
    const webp = webpWith([
      [0x010f, `workflow:${JSON.stringify(golden.workflow)}`],
      [0x0110, `prompt:${JSON.stringify(golden.output)}`],
    ]);
    const body = (await importFile(webp, 'ComfyUI_00001_.webp').expect(200)).body as ComfyImportResponse;
    expect(body).toMatchObject({ source: 'webp', format: 'ui' });
    expect(body.prompt).toEqual(golden.output);
  });

  it('answers 400 on the file field when there is no workflow in it', async () => {
    const cases: [string, Buffer][] = [
      ['a PNG without chunks', pngWith({})],
      ['a PNG with A1111 parameters only', pngWith({ parameters: 'a cat\nSteps: 20' })],
      ['a WebP without EXIF', webpWith([])],
      ['JSON that is not a workflow', json({ hello: 'world' })],
      ['an empty JSON object', json({})],
      ['text', Buffer.from('not json at all')],
      ['a JPEG header', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 6, 7, 8])],
    ];
    for (const [name, bytes] of cases) {
      const res = await importFile(bytes);
      expect(res.status, name).toBe(400);
      expect(res.body, name).toMatchObject({
        code: 'validation_failed',
        details: { file: [expect.any(String)] },
      });
    }
  });

  it('answers 422 naming the nodes it cannot convert, as /convert does', async () => {
    const workflow = structuredClone(golden.workflow) as { nodes: { type: string }[] };
    workflow.nodes[0]!.type = 'NoSuchNodeAnywhere';
    const res = await importFile(json(workflow)).expect(422);
    expect(res.body).toMatchObject({
      code: 'comfy.conversion_failed',
      details: { issues: [expect.objectContaining({ node_type: 'NoSuchNodeAnywhere' })] },
    });
  });

  it('refuses hostile files: no file, another part, deep JSON, too many nodes, over the size limit', async () => {
    const noFile = await harness.app.request
      .post('/api/comfy/workflows/import')
      .set(user.bearer)
      .field('x', 'y');
    expect(noFile.status).toBe(400);
    expect(noFile.body.code).toBe('validation_failed');

    expect((await importFile(json(golden.workflow), 'a.json', 'image')).status).toBe(400);

    const deep = Buffer.from(`${'['.repeat(5000)}${']'.repeat(5000)}`);
    const deepRes = await importFile(deep);
    expect(deepRes.status).toBe(400);
    expect(deepRes.body.details.file[0]).toContain('nested deeper');
    const deepInPng = pngWith({
      prompt: `{"1": {"class_type": "X", "inputs": {"a": ${'['.repeat(200)}${']'.repeat(200)}}}}`,
    });
    expect((await importFile(deepInPng, 'a.png')).status).toBe(400);

    const many = Object.fromEntries(
      Array.from({ length: 2001 }, (_, i) => [String(i), { class_type: 'EmptyImage', inputs: {} }]),
    );
    const manyRes = await importFile(json(many));
    expect(manyRes.status).toBe(400);
    expect(manyRes.body.details.file[0]).toContain('2000');

    const big = Buffer.concat([json(golden.workflow), Buffer.alloc(maxBytes, 0x20)]);
    const bigRes = await importFile(big);
    expect(bigRes.status).toBe(413);
    expect(bigRes.body.code).toBe('payload_too_large');

    // Still answering after all of it.
    await importFile(json(golden.output)).expect(200);
  });

  it('needs a session', async () => {
    const res = await harness.app.request
      .post('/api/comfy/workflows/import')
      .attach('file', json(golden.output), 'p.json');
    expect(res.status).toBe(401);
  });
});
