import type {
  ComfyQueueResponse,
  ComfyStatusResponse,
  ComfyUploadResponse,
  Txt2ImgResponse,
} from '@atelier/contract';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { startComfyHarness, waitFor, type ComfyHarness, usersQueueGraphs } from './comfy-kit.js';
import { createTestApp, LogCollector, type TestApp, type TestSession } from './test-app.js';

let harness: ComfyHarness | null = null;
let simDir: string | null = null;

afterEach(async () => {
  await harness?.close();
  harness = null;
  if (simDir) await rm(simDir, { recursive: true, force: true });
  simDir = null;
});

/** The simulator keeps its files in a dir of ours, so the API can be told where ComfyUI's input folder is. */
async function start(
  options: { env?: Record<string, string>; knowsInputDir?: boolean; logs?: LogCollector } = {},
) {
  simDir = await mkdtemp(join(tmpdir(), 'atelier-sim-'));
  const inputDir = join(simDir, 'input');
  harness = await startComfyHarness({
    sim: { stepMs: 2, dataDir: simDir },
    env: {
      ...(options.knowsInputDir === false ? {} : { COMFY_INPUT_DIR: inputDir }),
      ...(options.logs ? { LOG_LEVEL: 'info' } : {}),
      ...usersQueueGraphs,
      ...options.env,
    },
    app: options.logs ? { logs: options.logs } : {},
  });
  const user = await harness.app.login('user');
  return { app: harness.app, sim: harness.sim, user, inputDir };
}

const solid = (width: number, height: number, channels: 3 | 4 = 3) =>
  sharp({ create: { width, height, channels, background: { r: 200, g: 40, b: 90, alpha: 0.5 } } });
const png = (width = 32, height = 24, channels: 3 | 4 = 3) => solid(width, height, channels).png().toBuffer();

function upload(
  app: TestApp,
  user: TestSession,
  bytes: Buffer,
  fields: Record<string, string> = {},
  filename = 'photo.png',
  field = 'image',
) {
  const call = app.request.post('/api/comfy/upload').set(user.bearer);
  for (const [name, value] of Object.entries(fields)) void call.field(name, value);
  return call.attach(field, bytes, { filename, contentType: 'image/png' });
}

async function uploaded(app: TestApp, user: TestSession, bytes: Buffer, fields: Record<string, string> = {}) {
  return (await upload(app, user, bytes, fields).expect(201)).body as ComfyUploadResponse;
}

async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

function finished(app: TestApp, user: TestSession, promptId: string) {
  return waitFor(
    async () =>
      (await app.request.get(`/api/comfy/status/${promptId}`).set(user.bearer)).body as ComfyStatusResponse,
    (s) => s.status !== 'queued' && s.status !== 'running',
  );
}

async function imageBytes(app: TestApp, user: TestSession, status: ComfyStatusResponse): Promise<Buffer> {
  const image = status.images?.[0];
  if (!image) throw new Error(`no image in ${JSON.stringify(status)}`);
  const response = await app.request
    .get('/api/comfy/view')
    .query({ ...image })
    .set(user.bearer)
    .buffer(true)
    .parse((res, callback) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => callback(null, Buffer.concat(chunks)));
    })
    .expect(200);
  return response.body as Buffer;
}

/** LoadImage → SaveImage: the upload's name is what LoadImage takes. */
async function runLoadImage(app: TestApp, user: TestSession, image: string) {
  const queued = await app.request
    .post('/api/comfy/queue')
    .set(user.bearer)
    .send({
      workflow: {
        '1': { class_type: 'LoadImage', inputs: { image } },
        '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'atelier/loaded' } },
      },
    })
    .expect(201);
  return finished(app, user, (queued.body as ComfyQueueResponse).prompt_id);
}

/** A PNG whose header claims `width × height` pixels on a few bytes of data (a decompression bomb's shape). */
function pixelBomb(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.alloc(4096))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('POST /api/comfy/upload', () => {
  it('sends PNG, JPEG and WebP images to ComfyUI under our own name, usable by LoadImage', async () => {
    const { app, user, inputDir } = await start();
    const bytes = await png(32, 24);
    const body = await uploaded(app, user, bytes);
    expect(body).toMatchObject({
      name: expect.stringMatching(/^atelier-[0-9a-f]{16}\.png$/) as unknown,
      subfolder: 'atelier',
      type: 'input',
      kind: 'image',
      ephemeral: false,
      mime: 'image/png',
      bytes: bytes.length,
      width: 32,
      height: 24,
    });
    expect(body.image).toBe(`atelier/${body.name}`);
    expect(await readFile(join(inputDir, 'atelier', body.name))).toEqual(bytes);

    const done = await runLoadImage(app, user, body.image);
    expect(done.status).toBe('succeeded');
    expect(await sharp(await imageBytes(app, user, done)).metadata()).toMatchObject({
      width: 32,
      height: 24,
    });

    const jpeg = await uploaded(app, user, await solid(20, 10).jpeg().toBuffer(), { subfolder: 'a/b-c/d_e' });
    expect(jpeg).toMatchObject({ mime: 'image/jpeg', subfolder: 'a/b-c/d_e', width: 20, height: 10 });
    expect(jpeg.name).toMatch(/\.jpg$/);
    const webp = await uploaded(app, user, await solid(12, 12).webp().toBuffer(), {
      subfolder: '',
      kind: 'mask',
    });
    expect(webp).toMatchObject({ mime: 'image/webp', subfolder: '', kind: 'mask', image: webp.name });
    for (const file of [jpeg, webp]) {
      expect((await runLoadImage(app, user, file.image)).status).toBe('succeeded');
    }
    expect(await filesUnder(inputDir)).toEqual(
      [`atelier/${body.name}`, `a/b-c/d_e/${jpeg.name}`, webp.name].sort(),
    );
  });

  it('never uses the client’s file name, and names the same bytes the same', async () => {
    const { app, user, inputDir } = await start();
    const bytes = await png();
    const first = (await upload(app, user, bytes, {}, '../../etc/passwd.png').expect(201))
      .body as ComfyUploadResponse;
    const again = (await upload(app, user, bytes, {}, 'other.png').expect(201)).body as ComfyUploadResponse;
    expect(again.name).toBe(first.name);
    expect(again.id).not.toBe(first.id);
    expect(await filesUnder(inputDir)).toEqual([`atelier/${first.name}`]);
  });

  it('refuses what is not a PNG, JPEG or WebP image (415) whatever it is called', async () => {
    const { app, user, inputDir } = await start();
    const svg = Buffer.from(
      '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script></svg>',
    );
    const gif = await solid(4, 4).gif().toBuffer();
    for (const bytes of [Buffer.from('just some text'), svg, gif]) {
      const response = await upload(app, user, bytes, {}, 'looks-like.png').expect(415);
      expect(response.body).toMatchObject({
        code: 'unsupported_media_type',
        details: { image: [expect.any(String)] },
      });
    }
    const truncated = await png(64, 64);
    const cut = await upload(app, user, truncated.subarray(0, truncated.length - 30)).expect(400);
    expect(cut.body).toMatchObject({ code: 'validation_failed', details: { image: [expect.any(String)] } });
    expect(await filesUnder(inputDir)).toEqual([]);
  });

  it('refuses traversal and anything but plain segments in subfolder (400) before contacting ComfyUI', async () => {
    const { app, user, inputDir } = await start();
    const bytes = await png();
    for (const subfolder of [
      '../x',
      '/etc',
      'a\\b',
      '%2e%2e',
      '..',
      'a/../b',
      'a/./b',
      'a//b',
      'a/b/c/d',
      'a b',
    ]) {
      const response = await upload(app, user, bytes, { subfolder }).expect(400);
      expect(response.body, subfolder).toMatchObject({
        code: 'validation_failed',
        details: { subfolder: [expect.stringContaining('segments')] },
      });
    }
    await upload(app, user, bytes, { kind: 'photo' }).expect(400);
    await upload(app, user, bytes, { ephemeral: 'yes please' }).expect(400);
    await upload(app, user, bytes, {}, 'x.png', 'file').expect(400);
    const none = await app.request
      .post('/api/comfy/upload')
      .set(user.bearer)
      .field('kind', 'image')
      .expect(400);
    expect(none.body).toMatchObject({ details: { image: ['is required'] } });
    expect(await filesUnder(inputDir)).toEqual([]);
  });

  it('refuses files over the byte limit and images over the pixel limit (413)', async () => {
    const { app, user, inputDir } = await start({
      env: { ATELIER_UPLOAD_MAX_BYTES: '4096', ATELIER_UPLOAD_MAX_PIXELS: String(100 * 100) },
    });
    const noisy = await sharp({
      create: {
        width: 90,
        height: 90,
        channels: 3,
        background: '#808080',
        noise: { type: 'gaussian', mean: 128, sigma: 60 },
      },
    })
      .png()
      .toBuffer();
    expect(noisy.length).toBeGreaterThan(4096);
    const tooBig = await upload(app, user, noisy).expect(413);
    expect(tooBig.body).toMatchObject({ code: 'payload_too_large', details: { max_bytes: 4096 } });

    const bomb = pixelBomb(50_000, 50_000);
    expect(bomb.length).toBeLessThan(4096);
    const refused = await upload(app, user, bomb).expect(413);
    expect(refused.body).toMatchObject({
      code: 'payload_too_large',
      details: { width: 50_000, height: 50_000, max_pixels: 10_000 },
    });
    await upload(app, user, await png(101, 100)).expect(413);
    await upload(app, user, await png(100, 100)).expect(201);
    expect(await filesUnder(inputDir)).toHaveLength(1);
  });

  it('needs a signed-in user, and answers 503 while the integration is off', async () => {
    const { app } = await start();
    await app.request
      .post('/api/comfy/upload')
      .attach('image', await png(), 'a.png')
      .expect(401);
    const off = await createTestApp({ env: { COMFY_ENABLED: 'false' } });
    try {
      const user = await off.login('user');
      const response = await upload(off, user, await png()).expect(503);
      expect(response.body).toMatchObject({ code: 'comfy.disabled' });
    } finally {
      await off.close();
    }
  });
});

describe('ephemeral uploads', () => {
  it('are deleted from ComfyUI’s input folder once the job that used them finished', async () => {
    const { app, user, inputDir } = await start();
    const keep = await uploaded(app, user, await png(16, 16));
    const once = await uploaded(app, user, await png(20, 20), { ephemeral: 'true' });
    expect(once.ephemeral).toBe(true);
    expect(existsSync(join(inputDir, 'atelier', once.name))).toBe(true);

    expect((await runLoadImage(app, user, once.image)).status).toBe('succeeded');
    await waitFor(
      () => existsSync(join(inputDir, 'atelier', once.name)),
      (exists) => !exists,
    );
    expect(existsSync(join(inputDir, 'atelier', keep.name))).toBe(true);
    // Gone for good: txt2img no longer accepts it, ComfyUI cannot load it.
    const refused = await app.request
      .post('/api/comfy/txt2img')
      .set(user.bearer)
      .send({ caption: 'x', image: once.image, steps: 1 })
      .expect(400);
    expect(refused.body).toMatchObject({ details: { image: [expect.stringContaining(once.image)] } });
    await app.request
      .post('/api/comfy/queue')
      .set(user.bearer)
      .send({
        workflow: {
          '1': { class_type: 'LoadImage', inputs: { image: once.image } },
          '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'x' } },
        },
      })
      .expect(400);
  });

  it('keeps a file another upload still uses, and deletes the rest when Atelier shuts down', async () => {
    const { app, sim, user, inputDir } = await start();
    const shared = await png(10, 10);
    const kept = await uploaded(app, user, shared);
    const sameBytes = await uploaded(app, user, shared, { ephemeral: '1' });
    const unused = await uploaded(app, user, await png(11, 11), { ephemeral: 'true' });
    expect(sameBytes.name).toBe(kept.name);
    expect(await filesUnder(inputDir)).toHaveLength(2);

    await app.close();
    expect(await filesUnder(inputDir)).toEqual([`atelier/${kept.name}`]);
    expect(existsSync(join(inputDir, 'atelier', unused.name))).toBe(false);
    harness = null;
    await sim.close();
  });

  it('without access to the input folder, are only marked deleted (and the log says ComfyUI keeps them)', async () => {
    const logs = new LogCollector();
    const { app, user, inputDir } = await start({ knowsInputDir: false, logs });
    const once = await uploaded(app, user, await png(14, 14), { ephemeral: 'true' });
    expect((await runLoadImage(app, user, once.image)).status).toBe('succeeded');
    await waitFor(
      () => logs.text,
      (text) => text.includes('ComfyUI keeps the file'),
    );
    expect(existsSync(join(inputDir, 'atelier', once.name))).toBe(true);
    await app.request
      .post('/api/comfy/txt2img')
      .set(user.bearer)
      .send({ caption: 'x', image: once.image, steps: 1 })
      .expect(400);
  });
});

describe('img2img and inpainting through POST /api/comfy/txt2img', () => {
  const nodes = (workflow: Record<string, unknown>, classType: string) =>
    Object.values(workflow as Record<string, { class_type: string; inputs: Record<string, unknown> }>).filter(
      (node) => node.class_type === classType,
    );

  it('img2img: encodes the uploaded image and the result has its size', async () => {
    const { app, user } = await start();
    const source = await uploaded(app, user, await png(48, 40));
    const response = await app.request
      .post('/api/comfy/txt2img')
      .set(user.bearer)
      .send({ caption: 'a watercolour', image: source.image, steps: 2, denoise: 0.55 })
      .expect(201);
    const body = response.body as Txt2ImgResponse;
    expect(nodes(body.workflow, 'EmptyLatentImage')).toEqual([]);
    expect(nodes(body.workflow, 'LoadImage')[0]?.inputs.image).toBe(source.image);
    expect(nodes(body.workflow, 'VAEEncode')).toHaveLength(1);
    expect(nodes(body.workflow, 'KSampler')[0]?.inputs.denoise).toBe(0.55);
    const done = await finished(app, user, body.prompt_id);
    expect(done.status).toBe('succeeded');
    expect(await sharp(await imageBytes(app, user, done)).metadata()).toMatchObject({
      width: 48,
      height: 40,
    });

    const batch = (
      await app.request
        .post('/api/comfy/txt2img')
        .set(user.bearer)
        .send({ caption: 'twice', image: source.image, steps: 1, batch_size: 2 })
        .expect(201)
    ).body as Txt2ImgResponse;
    expect(nodes(batch.workflow, 'RepeatLatentBatch')[0]?.inputs.amount).toBe(2);
    expect((await finished(app, user, batch.prompt_id)).images).toHaveLength(2);
  });

  it('inpainting: with a mask upload (VAEEncodeForInpaint), or the image’s alpha below denoise 1', async () => {
    const { app, user } = await start();
    const source = await uploaded(app, user, await png(32, 32, 4));
    const mask = await uploaded(app, user, await png(32, 32), { kind: 'mask' });
    const withMask = (
      await app.request
        .post('/api/comfy/txt2img')
        .set(user.bearer)
        .send({ caption: 'a hat', image: source.image, mask: mask.image, steps: 2 })
        .expect(201)
    ).body as Txt2ImgResponse;
    expect(nodes(withMask.workflow, 'LoadImageMask')[0]?.inputs).toEqual({
      image: mask.image,
      channel: 'red',
    });
    expect(nodes(withMask.workflow, 'VAEEncodeForInpaint')).toHaveLength(1);
    expect((await finished(app, user, withMask.prompt_id)).status).toBe('succeeded');

    const fromAlpha = (
      await app.request
        .post('/api/comfy/txt2img')
        .set(user.bearer)
        .send({ caption: 'a hat', image: source.image, mask: source.image, denoise: 0.5, steps: 2 })
        .expect(201)
    ).body as Txt2ImgResponse;
    expect(nodes(fromAlpha.workflow, 'SetLatentNoiseMask')).toHaveLength(1);
    expect(nodes(fromAlpha.workflow, 'LoadImageMask')).toEqual([]);
    const done = await finished(app, user, fromAlpha.prompt_id);
    expect(done.status).toBe('succeeded');
    expect(await sharp(await imageBytes(app, user, done)).metadata()).toMatchObject({
      width: 32,
      height: 32,
    });
  });

  it('accepts only images this user uploaded, and keeps the txt2img bounds (400)', async () => {
    const { app, user } = await start();
    const other = await app.login('user', 'someone-else');
    const theirs = await uploaded(app, other, await png());
    const mine = await uploaded(app, user, await png(8, 8));
    const send = (body: Record<string, unknown>) =>
      app.request
        .post('/api/comfy/txt2img')
        .set(user.bearer)
        .send({ caption: 'x', steps: 1, ...body });
    const foreign = await send({ image: theirs.image }).expect(400);
    expect(foreign.body).toMatchObject({
      code: 'validation_failed',
      details: { image: [expect.any(String)] },
    });
    await send({ image: 'atelier/never-uploaded.png' }).expect(400);
    await send({ image: '../../etc/passwd' }).expect(400);
    await send({ image: mine.image, denoise: 1.5 }).expect(400);
    await send({ image: mine.image, mask: theirs.image }).expect(400);
    const noImage = await send({ denoise: 0.5 }).expect(400);
    expect(noImage.body).toMatchObject({ details: { denoise: [expect.any(String)] } });
    const inpaintSize = await send({ image: mine.image, mask: mine.image, width: 512 }).expect(400);
    expect(inpaintSize.body).toMatchObject({ details: { width: [expect.any(String)] } });
  });
});
