import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { filesUnder, images, ingest } from './gallery-fixtures.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

const comfyOn = { COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' };

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function rowCount(app: TestApp): Promise<number> {
  const [row] = await app.sql<{ n: number | string }>('SELECT COUNT(*) AS n FROM "gallery_images"');
  return row ? Number(row.n) : -1;
}

describe('POST /api/comfy/ingest', () => {
  let app: TestApp;
  let curator: TestSession;
  const others: TestApp[] = [];

  afterEach(async () => {
    for (const other of others.splice(0)) await other.close();
    await app.close();
  });

  async function start(env: Record<string, string> = {}) {
    app = await createTestApp({ env: { ...comfyOn, ...env } });
    curator = await app.login('curator');
  }

  describe('storing', () => {
    it('keeps a PNG with a sidecar and a thumbnail, and answers 201 with the record', async () => {
      await start();
      const png = await images.png(64, 48);
      const workflow = { '1': { class_type: 'EmptyImage', inputs: { width: 64 } } };
      const res = await ingest(app, curator, png, {
        prompt_id: 'b5d1e0a4-5c1e-4a43-9b7c-2f6a1c0e9d11',
        workflow: JSON.stringify(workflow),
        metadata: JSON.stringify({ rating: 5 }),
      });

      expect(res.status).toBe(201);
      const hash = sha256(png);
      const image = res.body.image;
      expect(res.body.duplicate).toBe(false);
      expect(image).toEqual({
        id: expect.any(Number),
        sha256: hash,
        mime: 'image/png',
        bytes: png.length,
        width: 64,
        height: 48,
        prompt_id: 'b5d1e0a4-5c1e-4a43-9b7c-2f6a1c0e9d11',
        created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/),
        created_by: { id: curator.user.id, username: curator.user.username },
        file_url: `/api/gallery/images/${image.id}/file`,
        thumbnail_url: `/api/gallery/images/${image.id}/thumbnail`,
      });

      const day = (image.created_at as string).slice(0, 10);
      expect(await filesUnder(app, 'generated/comfy')).toEqual([`${day}/${hash}.json`, `${day}/${hash}.png`]);
      expect(await filesUnder(app, 'generated/thumbnails')).toEqual([`${hash}.webp`]);
      expect(await readFile(join(app.rootDir, 'generated/comfy', day, `${hash}.png`))).toEqual(png);

      const sidecar = JSON.parse(
        await readFile(join(app.rootDir, 'generated/comfy', day, `${hash}.json`), 'utf8'),
      );
      expect(sidecar).toEqual({
        sha256: hash,
        prompt_id: 'b5d1e0a4-5c1e-4a43-9b7c-2f6a1c0e9d11',
        workflow,
        metadata: { rating: 5 },
        params: null,
        file: {
          bytes: png.length,
          mime: 'image/png',
          ext: 'png',
          width: 64,
          height: 48,
          filename: `${hash}.png`,
          relative_path: `${day}/${hash}.png`,
        },
        ingested_by: { id: curator.user.id, username: curator.user.username },
        ingested_at: image.created_at,
      });
      const thumbnail = await sharp(join(app.rootDir, 'generated/thumbnails', `${hash}.webp`)).metadata();
      expect([thumbnail.format, thumbnail.width, thumbnail.height]).toEqual(['webp', 64, 48]);
    });

    it('judges the type from the bytes, not from the name or the declared type', async () => {
      await start();
      const jpeg = await images.jpeg();
      const webp = await images.webp();
      const asJpeg = await ingest(app, curator, jpeg, {}, 'looks-like.png');
      const asWebp = await ingest(app, curator, webp, {}, 'photo.jpg');
      expect([asJpeg.status, asJpeg.body.image.mime]).toEqual([201, 'image/jpeg']);
      expect([asWebp.status, asWebp.body.image.mime]).toEqual([201, 'image/webp']);
      const day = (asJpeg.body.image.created_at as string).slice(0, 10);
      expect(await filesUnder(app, 'generated/comfy')).toEqual(
        [
          `${day}/${sha256(jpeg)}.jpg`,
          `${day}/${sha256(jpeg)}.json`,
          `${day}/${sha256(webp)}.json`,
          `${day}/${sha256(webp)}.webp`,
        ].sort(),
      );
    });

    it('records the displayed size of an EXIF-rotated JPEG', async () => {
      await start();
      const res = await ingest(app, curator, await images.rotatedJpeg());
      expect(res.status).toBe(201);
      expect([res.body.image.width, res.body.image.height]).toEqual([40, 80]);
    });

    it('accepts optional fields being absent, and an admin as well as a curator', async () => {
      await start();
      const admin = await app.login('admin', 'second-admin');
      const res = await ingest(app, admin, await images.png());
      expect(res.status).toBe(201);
      expect(res.body.image.prompt_id).toBeNull();
    });

    it('takes cookie authentication with our Origin, and refuses it without', async () => {
      await start();
      const png = await images.png();
      const refused = await app.request
        .post('/api/comfy/ingest')
        .set('Cookie', curator.cookie)
        .attach('file', png, 'a.png');
      expect([refused.status, refused.body.code]).toEqual([403, 'auth.csrf']);
      const accepted = await app.request
        .post('/api/comfy/ingest')
        .set('Cookie', curator.cookie)
        .set('Origin', app.origin)
        .attach('file', png, 'a.png');
      expect(accepted.status).toBe(201);
    });
  });

  describe('refusing', () => {
    it('refuses what is not PNG, JPEG or WebP with 415, whatever the file is called', async () => {
      await start();
      for (const [file, name] of [
        [images.text(), 'notes.png'],
        [images.svg(), 'drawing.svg'],
        [await images.gif(), 'anim.gif'],
      ] as const) {
        const res = await ingest(app, curator, file, {}, name);
        expect(res.status, name).toBe(415);
        expect(res.body.code).toBe('unsupported_media_type');
        expect(res.body.details.file[0]).toMatch(/png, jpeg or webp expected/);
      }
      expect(await filesUnder(app, 'generated')).toEqual([]);
      expect(await rowCount(app)).toBe(0);
    });

    it('refuses a truncated PNG with 400 gallery.invalid_image and keeps nothing', async () => {
      await start();
      const res = await ingest(app, curator, await images.truncatedPng());
      expect(res.status).toBe(400);
      expect(res.body).toEqual({
        code: 'gallery.invalid_image',
        message: 'The image is truncated or corrupt',
        details: { file: ['could not be decoded'] },
      });
      expect(await filesUnder(app, 'generated')).toEqual([]);
    });

    it('refuses an empty file with 400', async () => {
      await start();
      const res = await ingest(app, curator, Buffer.alloc(0));
      expect(res.status).toBe(400);
      expect(res.body.code).toMatch(/^(gallery.invalid_image|validation_failed)$/);
    });

    describe('pixel bombs', () => {
      let bomb: Buffer;
      beforeAll(async () => {
        bomb = await images.pixelBomb();
      });

      it('refuses an image of more pixels than the limit with 413, before decoding it', async () => {
        await start();
        expect(bomb.length).toBeLessThan(1024 * 1024);
        const started = Date.now();
        const res = await ingest(app, curator, bomb);
        expect(res.status).toBe(413);
        expect(res.body).toEqual({
          code: 'payload_too_large',
          message: `The image has more than ${8192 * 8192} pixels`,
          details: { width: 10_000, height: 10_000, max_pixels: 8192 * 8192 },
        });
        // Decoding 100 MP would take seconds; reading the header takes milliseconds.
        expect(Date.now() - started).toBeLessThan(1500);
        expect(await filesUnder(app, 'generated')).toEqual([]);
      });

      it('follows ATELIER_INGEST_MAX_PIXELS', async () => {
        await start({ ATELIER_INGEST_MAX_PIXELS: '1000' });
        const res = await ingest(app, curator, await images.png(40, 30));
        expect([res.status, res.body.details?.max_pixels]).toEqual([413, 1000]);
        expect((await ingest(app, curator, await images.png(40, 25))).status).toBe(201);
      });
    });

    it('refuses a file over ATELIER_INGEST_MAX_BYTES with 413 and the error body', async () => {
      await start({ ATELIER_INGEST_MAX_BYTES: '4096' });
      const noise = await images.noisyPng();
      expect(noise.length).toBeGreaterThan(4096);
      const res = await ingest(app, curator, noise);
      expect(res.status).toBe(413);
      expect(res.body).toEqual({
        code: 'payload_too_large',
        message: 'The file is larger than the limit of 4 KiB',
        details: { max_bytes: 4096 },
      });
      expect(await filesUnder(app, 'generated')).toEqual([]);
      // The limit is the limit, not less.
      const small = await images.png();
      expect((await ingest(app, curator, small)).status).toBe(201);
    });

    it('answers malformed fields with 400 validation_failed and per-field details', async () => {
      await start();
      const png = await images.png();
      const badJson = await ingest(app, curator, png, { workflow: '{"1": ', metadata: '[1, 2]' });
      expect(badJson.status).toBe(400);
      expect(badJson.body.code).toBe('validation_failed');
      expect(badJson.body.details.workflow[0]).toMatch(/^workflow is not valid JSON/);
      expect(badJson.body.details.metadata).toEqual(['metadata must be a JSON object']);

      const badPromptId = await ingest(app, curator, png, { prompt_id: '../../etc/passwd' });
      expect(badPromptId.status).toBe(400);
      expect(Object.keys(badPromptId.body.details)).toEqual(['prompt_id']);

      const unknownField = await ingest(app, curator, png, { owner: 'someone-else' });
      expect(unknownField.status).toBe(400);
      expect(Object.keys(unknownField.body.details)).toEqual(['owner']);

      const noFile = await ingest(app, curator, null, { metadata: '{}' });
      expect(noFile.status).toBe(400);
      expect(noFile.body.details).toEqual({ file: ['is required'] });

      const wrongPart = await app.request
        .post('/api/comfy/ingest')
        .set(curator.bearer)
        .attach('image', png, 'a.png');
      expect([wrongPart.status, wrongPart.body.code]).toEqual([400, 'validation_failed']);

      expect(await filesUnder(app, 'generated')).toEqual([]);
      expect(await rowCount(app)).toBe(0);
    });
  });

  describe('access', () => {
    it('answers 401 without a session and 403 to a user', async () => {
      await start();
      const png = await images.png();
      const anonymous = await ingest(app, null, png);
      expect([anonymous.status, anonymous.body.code]).toEqual([401, 'auth.unauthenticated']);
      const user = await app.login('user');
      const forbidden = await ingest(app, user, png);
      expect([forbidden.status, forbidden.body.code]).toEqual([403, 'auth.forbidden']);
      const fromJob = await app.request
        .post('/api/comfy/ingest/from-job')
        .set(user.bearer)
        .send({ prompt_id: 'abc' });
      expect([fromJob.status, fromJob.body.code]).toEqual([403, 'auth.forbidden']);
      expect(await filesUnder(app, 'generated')).toEqual([]);
    });

    it('answers 503 comfy.disabled when the integration is off, at boot or switched off later', async () => {
      app = await createTestApp();
      curator = await app.login('curator');
      const png = await images.png();
      const off = await ingest(app, curator, png);
      expect([off.status, off.body.code]).toEqual([503, 'comfy.disabled']);
      const fromJob = await app.request
        .post('/api/comfy/ingest/from-job')
        .set(curator.bearer)
        .send({ prompt_id: 'abc' });
      expect([fromJob.status, fromJob.body.code]).toEqual([503, 'comfy.disabled']);

      await app.runtime.update({ comfy_enabled: true }, null);
      expect((await ingest(app, curator, png)).status).toBe(201);
      await app.runtime.update({ comfy_enabled: false }, null);
      expect((await ingest(app, curator, await images.png())).status).toBe(503);
      expect(await rowCount(app)).toBe(1);
    });
  });

  describe('the same bytes again', () => {
    it('answers the existing record with duplicate: true (200) and stores nothing new', async () => {
      await start();
      const png = await images.png();
      const first = await ingest(app, curator, png, { metadata: '{"take":1}' });
      const again = await ingest(app, curator, png, { metadata: '{"take":2}' });
      expect([first.status, again.status]).toEqual([201, 200]);
      expect(again.body).toEqual({ image: first.body.image, duplicate: true });
      expect(await filesUnder(app, 'generated/comfy')).toHaveLength(2);
      expect(await filesUnder(app, 'generated/thumbnails')).toHaveLength(1);
      expect(await rowCount(app)).toBe(1);
    });

    it('stores one record, one file and one sidecar under 5 concurrent ingests', async () => {
      await start();
      const png = await images.png(200, 150);
      const results = await Promise.all(Array.from({ length: 5 }, () => ingest(app, curator, png)));
      expect(results.map((res) => res.status).sort()).toEqual([200, 200, 200, 200, 201]);
      expect(new Set(results.map((res) => res.body.image.id)).size).toBe(1);
      expect(results.filter((res) => res.body.duplicate === true)).toHaveLength(4);
      const hash = sha256(png);
      const day = (results[0]?.body.image.created_at as string).slice(0, 10);
      expect(await filesUnder(app, 'generated')).toEqual([
        `comfy/${day}/${hash}.json`,
        `comfy/${day}/${hash}.png`,
        `thumbnails/${hash}.webp`,
      ]);
      expect(await rowCount(app)).toBe(1);
    });

    it('stays one record when two servers share the database (the unique index decides)', async () => {
      await start();
      let second = app;
      if (app.engine === 'postgres') {
        // Two Ateliers on one Postgres without Redis are refused by design (the advisory lock,
        // cluster/postgres-single-lease.ts); there the one app's pooled connections race instead.
        await expect(createTestApp({ rootDir: app.rootDir, env: comfyOn })).rejects.toThrow(
          /replicas need Redis/,
        );
      } else {
        second = await createTestApp({ rootDir: app.rootDir, env: comfyOn });
        others.push(second);
      }
      const png = await images.png(300, 200);
      const results = await Promise.all(
        // One app's ingest rate limit takes 6 at once: 4 there, 8 split over two apps.
        Array.from({ length: second === app ? 4 : 8 }, (_, i) =>
          ingest(i % 2 === 0 ? app : second, curator, png),
        ),
      );
      const answers = JSON.stringify(results.map((res) => [res.status, res.body.code]));
      expect(
        results.map((res) => res.status).filter((status) => status === 201),
        answers,
      ).toHaveLength(1);
      expect(new Set(results.map((res) => res.body.image?.id)).size, answers).toBe(1);
      const hash = sha256(png);
      const day = (results[0]?.body.image.created_at as string).slice(0, 10);
      expect(await filesUnder(app, 'generated')).toEqual([
        `comfy/${day}/${hash}.json`,
        `comfy/${day}/${hash}.png`,
        `thumbnails/${hash}.webp`,
      ]);
      expect(await readFile(join(app.rootDir, 'generated/comfy', day, `${hash}.png`))).toEqual(png);
      expect(await rowCount(app)).toBe(1);
    });
  });

  describe('failures leave nothing behind', () => {
    it('an upload aborted half-way leaves no file and no row', async () => {
      await start();
      const png = await images.png(256, 256);
      const boundary = 'atelier-test-boundary';
      const head = Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="metadata"\r\n\r\n{}\r\n` +
          `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n` +
          'Content-Type: image/png\r\n\r\n',
      );
      const url = new URL('/api/comfy/ingest', app.url);
      const closed = new Promise<void>((resolve) => {
        const req = httpRequest(url, {
          method: 'POST',
          headers: {
            ...curator.bearer,
            'Content-Type': `multipart/form-data; boundary=${boundary}`,
            'Content-Length': String(head.length + 1024 * 1024),
          },
        });
        req.on('error', () => resolve());
        req.on('close', () => resolve());
        req.write(head);
        req.write(png);
        req.write(Buffer.alloc(32 * 1024, 7));
        // Let the server take in what was sent, then vanish mid-part.
        setTimeout(() => req.destroy(), 150);
      });
      await closed;
      await new Promise((resolve) => setTimeout(resolve, 150));

      expect(await filesUnder(app, 'generated')).toEqual([]);
      expect(await rowCount(app)).toBe(0);
      // The server is fine afterwards, and the same bytes can be kept.
      expect((await ingest(app, curator, png)).status).toBe(201);
    });

    it('temp files a crash left behind are gone after a restart, kept images stay', async () => {
      await start();
      const kept = await ingest(app, curator, await images.png());
      const day = (kept.body.image.created_at as string).slice(0, 10);
      const strays = [
        `generated/comfy/${day}/.${'a'.repeat(64)}.png.0123456789ab.tmp`,
        `generated/comfy/2020-01-01/.${'b'.repeat(64)}.json.ba9876543210.tmp`,
        `generated/thumbnails/.${'c'.repeat(64)}.webp.00112233aabb.tmp`,
      ];
      for (const stray of strays) {
        await mkdir(join(app.rootDir, stray, '..'), { recursive: true });
        await writeFile(join(app.rootDir, stray), 'half');
      }
      await app.restart();
      const files = await filesUnder(app, 'generated');
      expect(files.filter((file) => file.endsWith('.tmp'))).toEqual([]);
      expect(files).toHaveLength(3);
    });
  });
});
