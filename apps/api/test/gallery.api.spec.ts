import type { GalleryImage } from '@atelier/contract';
import { createHash } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Response } from 'supertest';
import { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { TrashPurge } from '../src/gallery/trash/trash-purge.js';
import { filesUnder, images, ingest } from './gallery-fixtures.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

const comfyOn = { COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' };

/** Supertest buffers image bodies only when told to. */
function binary(res: Response, callback: (error: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}

describe('/api/gallery/images', () => {
  let app: TestApp;
  let curator: TestSession;
  let user: TestSession;

  afterEach(() => app.close());

  async function start() {
    app = await createTestApp({ env: comfyOn });
    curator = await app.login('curator');
    user = await app.login('user');
  }

  async function keep(
    file: Buffer | Promise<Buffer>,
    fields: Record<string, string> = {},
  ): Promise<GalleryImage> {
    const res = await ingest(app, curator, await file, fields);
    expect(res.status).toBe(201);
    return res.body.image as GalleryImage;
  }

  describe('GET /api/gallery/images', () => {
    it('is empty at first', async () => {
      await start();
      const res = await app.request.get('/api/gallery/images').set(user.bearer);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ items: [], next_cursor: null, total_estimate: 0, total_exact: true });
    });

    it('pages newest first with a cursor, without duplicates or gaps', async () => {
      await start();
      const kept: GalleryImage[] = [];
      for (let i = 0; i < 7; i += 1) kept.push(await keep(images.png()));
      const expected = kept.map((image) => image.id).reverse();

      const seen: number[] = [];
      const pageSizes: number[] = [];
      let cursor: string | null = null;
      do {
        const res = await app.request
          .get('/api/gallery/images')
          .query({ limit: 3, ...(cursor ? { cursor } : {}) })
          .set(user.bearer);
        expect(res.status).toBe(200);
        pageSizes.push(res.body.items.length);
        seen.push(...(res.body.items as GalleryImage[]).map((image) => image.id));
        cursor = res.body.next_cursor as string | null;
      } while (cursor);
      expect(pageSizes).toEqual([3, 3, 1]);
      expect(seen).toEqual(expected);
    });

    it('orders images kept in the same millisecond by id, still without gaps', async () => {
      await start();
      for (let i = 0; i < 5; i += 1) await keep(images.png());
      await app.nest
        .get(DataSource)
        .query(`UPDATE gallery_images SET created_at = '2025-01-01T00:00:00.000Z'`);
      const first = await app.request.get('/api/gallery/images?limit=2').set(user.bearer);
      const second = await app.request
        .get('/api/gallery/images')
        .query({ limit: 2, cursor: first.body.next_cursor })
        .set(user.bearer);
      const third = await app.request
        .get('/api/gallery/images')
        .query({ limit: 2, cursor: second.body.next_cursor })
        .set(user.bearer);
      const ids = [first, second, third].flatMap((res) =>
        (res.body.items as GalleryImage[]).map((i) => i.id),
      );
      expect(ids).toEqual([5, 4, 3, 2, 1]);
      expect(third.body.next_cursor).toBeNull();
    });

    it('answers 50 by default and refuses bad limits and cursors with 400', async () => {
      await start();
      await keep(images.png());
      const defaults = await app.request.get('/api/gallery/images').set(user.bearer);
      expect(defaults.body.items).toHaveLength(1);
      for (const query of ['limit=0', 'limit=101', 'limit=abc', 'limit=2.5']) {
        const res = await app.request.get(`/api/gallery/images?${query}`).set(user.bearer);
        expect([res.status, res.body.code, Object.keys(res.body.details)], query).toEqual([
          400,
          'validation_failed',
          ['limit'],
        ]);
      }
      const forged = Buffer.from(JSON.stringify(['yesterday', 1])).toString('base64url');
      for (const cursor of ['not-a-cursor', forged, Buffer.from('[1,2,3]').toString('base64url')]) {
        const res = await app.request.get('/api/gallery/images').query({ cursor }).set(user.bearer);
        expect(res.status, cursor).toBe(400);
        expect(Object.keys(res.body.details), cursor).toEqual(['cursor']);
      }
      const unknown = await app.request.get('/api/gallery/images?sort=sideways').set(user.bearer);
      expect(unknown.status).toBe(400);
    });
  });

  describe('GET /api/gallery/images/:id', () => {
    it('shows an image with its provenance', async () => {
      await start();
      const workflow = { '3': { class_type: 'KSampler', inputs: { seed: 7 } } };
      const image = await keep(images.png(), {
        prompt_id: 'job-123',
        workflow: JSON.stringify(workflow),
        metadata: JSON.stringify({ note: 'keeper' }),
      });
      const res = await app.request.get(`/api/gallery/images/${image.id}`).set(user.bearer);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        ...image,
        // The workflow's sampler says the seed: the graph walk found it.
        params: expect.objectContaining({ seed: 7, source: 'graph', positive: null }),
        rating: 0,
        favorite: false,
        tags: [],
        status: 'approved',
        note: null,
        // A plain user who is not its owner sees no review trail.
        review: [],
        review_note: null,
        provenance: {
          prompt_id: 'job-123',
          params: null,
          workflow,
          metadata: { note: 'keeper' },
          source: null,
        },
      });
    });

    it('answers 404 gallery.not_found for an unknown id and 400 for a malformed one', async () => {
      await start();
      const missing = await app.request.get('/api/gallery/images/999').set(user.bearer);
      expect([missing.status, missing.body.code]).toEqual([404, 'gallery.not_found']);
      const malformed = await app.request.get('/api/gallery/images/1abc').set(user.bearer);
      expect([malformed.status, malformed.body.code]).toEqual([400, 'validation_failed']);
    });
  });

  describe('GET …/file and …/thumbnail', () => {
    it('serves the original with its type, a content-hash ETag and long-lived private caching', async () => {
      await start();
      const jpeg = await images.jpeg();
      const image = await keep(jpeg);
      const res = await app.request.get(image.file_url).set(user.bearer).buffer(true).parse(binary);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(jpeg);
      expect(res.headers).toMatchObject({
        'content-type': 'image/jpeg',
        'x-content-type-options': 'nosniff',
        'cache-control': 'private, max-age=31536000, immutable',
        etag: `"${createHash('sha256').update(jpeg).digest('hex')}"`,
        'content-disposition': `inline; filename="${image.sha256}.jpg"`,
        'content-length': String(jpeg.length),
      });

      const download = await app.request.get(`${image.file_url}?download=1`).set(user.bearer);
      expect(download.headers['content-disposition']).toBe(`attachment; filename="${image.sha256}.jpg"`);
      const badQuery = await app.request.get(`${image.file_url}?download=yes`).set(user.bearer);
      expect(badQuery.status).toBe(400);
    });

    it('answers 304 to a matching If-None-Match', async () => {
      await start();
      const image = await keep(images.png());
      for (const url of [image.file_url, image.thumbnail_url]) {
        const first = await app.request.get(url).set(user.bearer);
        const etag = first.headers.etag as string;
        const again = await app.request.get(url).set(user.bearer).set('If-None-Match', etag);
        expect(again.status, url).toBe(304);
        expect(again.text ?? '').toBe('');
        const stale = await app.request.get(url).set(user.bearer).set('If-None-Match', '"something-else"');
        expect(stale.status, url).toBe(200);
      }
    });

    it('serves a WebP thumbnail of at most 512 px a side, EXIF-rotated', async () => {
      await start();
      const big = await keep(images.png(1024, 600));
      const rotated = await keep(images.rotatedJpeg());

      const res = await app.request.get(big.thumbnail_url).set(user.bearer).buffer(true).parse(binary);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('image/webp');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers.etag).toBe(`"${big.sha256}-w512"`);
      const bigThumb = await sharp(res.body as Buffer).metadata();
      expect([bigThumb.format, bigThumb.width, bigThumb.height]).toEqual(['webp', 512, 300]);

      const turned = await app.request.get(rotated.thumbnail_url).set(user.bearer).buffer(true).parse(binary);
      const turnedThumb = await sharp(turned.body as Buffer).metadata();
      // Stored 80×40 with orientation 6: the thumbnail is upright, 40×80, with no EXIF left to apply.
      expect([turnedThumb.width, turnedThumb.height, turnedThumb.orientation ?? 1]).toEqual([40, 80, 1]);
    });

    it('makes the thumbnail again when it is missing on disk', async () => {
      await start();
      const image = await keep(images.png(300, 100));
      const path = join(app.rootDir, 'generated/thumbnails', `${image.sha256}.webp`);
      await rm(path);
      const res = await app.request.get(image.thumbnail_url).set(user.bearer).buffer(true).parse(binary);
      expect(res.status).toBe(200);
      const made = await sharp(res.body as Buffer).metadata();
      expect([made.format, made.width, made.height]).toEqual(['webp', 300, 100]);
      expect((await stat(path)).isFile()).toBe(true);
    });

    it('answers 404 with a JSON body when the original is missing on disk', async () => {
      await start();
      const image = await keep(images.png());
      const day = image.created_at.slice(0, 10);
      await rm(join(app.rootDir, 'generated/comfy', day, `${image.sha256}.png`));
      await rm(join(app.rootDir, 'generated/thumbnails', `${image.sha256}.webp`));
      for (const url of [image.file_url, image.thumbnail_url]) {
        const res = await app.request.get(url).set(user.bearer);
        expect(res.status, url).toBe(404);
        expect(res.headers['content-type'], url).toMatch(/^application\/json/);
        expect(String(res.headers['cache-control'] ?? ''), url).not.toMatch(/immutable/);
        expect(String(res.headers.etag ?? ''), url).not.toContain(image.sha256);
        expect(res.body.code, url).toBe('gallery.not_found');
      }
    });

    it('works with the session cookie (as <img> tags send it) and not without a session', async () => {
      await start();
      const image = await keep(images.png());
      for (const url of [image.file_url, image.thumbnail_url]) {
        expect((await app.request.get(url).set('Cookie', user.cookie)).status, url).toBe(200);
      }
      for (const url of [
        '/api/gallery/images',
        `/api/gallery/images/${image.id}`,
        image.file_url,
        image.thumbnail_url,
      ]) {
        const res = await app.request.get(url);
        expect([res.status, res.body.code], url).toEqual([401, 'auth.unauthenticated']);
      }
    });

    it('keeps serving the gallery with the ComfyUI integration switched off', async () => {
      await start();
      const image = await keep(images.png());
      await app.runtime.update({ comfy_enabled: false }, null);
      expect((await app.request.get('/api/gallery/images').set(user.bearer)).body.items).toHaveLength(1);
      expect((await app.request.get(`/api/gallery/images/${image.id}`).set(user.bearer)).status).toBe(200);
      expect((await app.request.get(image.file_url).set(user.bearer)).status).toBe(200);
      expect((await app.request.get(image.thumbnail_url).set(user.bearer)).status).toBe(200);
      const deleted = await app.request.delete(`/api/gallery/images/${image.id}`).set(curator.bearer);
      expect(deleted.status).toBe(204);
    });
  });

  describe('DELETE /api/gallery/images/:id', () => {
    /** The trash's purge, as if the image had been trashed longer ago than the retention period. */
    async function purgeTrash(): Promise<number> {
      // trashed_at is ISO text on both engines.
      await app.sql(`UPDATE "gallery_images" SET "trashed_at" = ? WHERE "trashed_at" IS NOT NULL`, [
        new Date(Date.now() - 31 * 86_400_000).toISOString(),
      ]);
      return app.nest.get(TrashPurge).purgeNow();
    }

    it('moves the image to the trash; the purge then removes the row, the file, the sidecar and the thumbnail; the same bytes can be kept again', async () => {
      await start();
      const png = await images.png();
      const image = await keep(png);
      const other = await keep(images.png());
      expect(await filesUnder(app, 'generated')).toHaveLength(6);

      const res = await app.request.delete(`/api/gallery/images/${image.id}`).set(curator.bearer);
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expect(await filesUnder(app, 'generated')).toHaveLength(6);
      expect((await app.request.get(`/api/gallery/images/${image.id}`).set(user.bearer)).status).toBe(404);
      expect((await app.request.get(image.file_url).set(user.bearer)).status).toBe(404);
      const trash = await app.request.get('/api/gallery/images?status=trashed').set(curator.bearer);
      expect((trash.body.items as GalleryImage[]).map((item) => item.id)).toEqual([image.id]);

      expect(await purgeTrash()).toBe(1);
      const day = other.created_at.slice(0, 10);
      expect(await filesUnder(app, 'generated')).toEqual([
        `comfy/${day}/${other.sha256}.json`,
        `comfy/${day}/${other.sha256}.png`,
        `thumbnails/${other.sha256}.webp`,
      ]);
      expect((await app.request.get(`/api/gallery/images/${image.id}`).set(user.bearer)).status).toBe(404);
      expect((await app.request.get(image.file_url).set(user.bearer)).status).toBe(404);

      const again = await ingest(app, curator, png);
      expect([again.status, again.body.duplicate]).toEqual([201, false]);
      expect(again.body.image.id).not.toBe(image.id);
      expect(await filesUnder(app, 'generated')).toHaveLength(6);
    });

    it('answers 404 for an unknown id, 403 to a user, 401 without a session, and checks the Origin of cookies', async () => {
      await start();
      const image = await keep(images.png());
      const unknown = await app.request.delete('/api/gallery/images/4242').set(curator.bearer);
      expect([unknown.status, unknown.body.code]).toEqual([404, 'gallery.not_found']);
      // Not that user's image: the route is open to every user, the image only to its owner and curators.
      const forbidden = await app.request.delete(`/api/gallery/images/${image.id}`).set(user.bearer);
      expect([forbidden.status, forbidden.body.code]).toEqual([403, 'auth.forbidden']);
      const anonymous = await app.request.delete(`/api/gallery/images/${image.id}`);
      expect(anonymous.status).toBe(401);
      const crossSite = await app.request
        .delete(`/api/gallery/images/${image.id}`)
        .set('Cookie', curator.cookie);
      expect([crossSite.status, crossSite.body.code]).toEqual([403, 'auth.csrf']);
      expect(await filesUnder(app, 'generated')).toHaveLength(3);

      const viaCookie = await app.request
        .delete(`/api/gallery/images/${image.id}`)
        .set('Cookie', curator.cookie)
        .set('Origin', app.origin);
      expect(viaCookie.status).toBe(204);
      const trash = await app.request.get('/api/gallery/images?status=trashed').set(curator.bearer);
      expect((trash.body.items as GalleryImage[]).map((item) => item.id)).toEqual([image.id]);
      expect(await purgeTrash()).toBe(1);
      expect(await filesUnder(app, 'generated')).toEqual([]);
      const twice = await app.request.delete(`/api/gallery/images/${image.id}`).set(curator.bearer);
      expect(twice.status).toBe(404);
    });
  });
});
