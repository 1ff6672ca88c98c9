import type { GalleryImage } from '@atelier/contract';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Response } from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { images, ingest } from './gallery-fixtures.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

const comfyOn = { COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' };

function binary(res: Response, callback: (error: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}

/**
 * Thumbnails are answered from memory once read: the answer must be the one `send` gave from the file
 * (validators, HEAD, ranges), and the file on disk still decides whether there is one.
 */
describe('thumbnails kept in memory', () => {
  let app: TestApp;
  let curator: TestSession;
  let user: TestSession;
  let image: GalleryImage;
  let path: string;

  const get = (url: string) => app.request.get(url).set(user.bearer).buffer(true).parse(binary);

  beforeEach(async () => {
    app = await createTestApp({ env: comfyOn });
    curator = await app.login('curator');
    user = await app.login('user');
    const res = await ingest(app, curator, await images.png(300, 100), {});
    expect(res.status).toBe(201);
    image = res.body.image as GalleryImage;
    path = join(app.rootDir, 'generated/thumbnails', `${image.sha256}.webp`);
  });
  afterEach(() => app.close());

  it('answers the same bytes and headers the second time, 304 to its ETag, HEAD without a body, a range', async () => {
    const first = await get(image.thumbnail_url);
    const second = await get(image.thumbnail_url);
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    for (const name of ['content-type', 'content-length', 'etag', 'cache-control', 'content-disposition']) {
      expect(second.headers[name], name).toBe(first.headers[name]);
    }
    expect(second.headers['x-content-type-options']).toBe('nosniff');

    const fresh = await app.request
      .get(image.thumbnail_url)
      .set(user.bearer)
      .set('If-None-Match', String(first.headers.etag));
    expect(fresh.status).toBe(304);
    expect(fresh.text ?? '').toBe('');

    const head = await app.request.head(image.thumbnail_url).set(user.bearer);
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String((first.body as Buffer).length));

    const range = await get(image.thumbnail_url).set('Range', 'bytes=0-9');
    expect(range.status).toBe(206);
    expect(range.body).toEqual((first.body as Buffer).subarray(0, 10));

    const precondition = await app.request
      .get(image.thumbnail_url)
      .set(user.bearer)
      .set('If-Match', '"something-else"');
    expect(precondition.status).toBe(412);
  });

  it('makes the thumbnail again on disk when its file went missing after it was served', async () => {
    await get(image.thumbnail_url).expect(200);
    await rm(path);
    const again = await get(image.thumbnail_url);
    expect(again.status).toBe(200);
    const made = await sharp(again.body as Buffer).metadata();
    expect([made.format, made.width, made.height]).toEqual(['webp', 300, 100]);
    expect((await stat(path)).isFile()).toBe(true);
  });

  it('answers 404 once the image is deleted, or once its thumbnail and original are gone from disk', async () => {
    await get(image.thumbnail_url).expect(200);
    const day = image.created_at.slice(0, 10);
    await rm(join(app.rootDir, 'generated/comfy', day, `${image.sha256}.png`));
    await rm(path);
    const missing = await app.request.get(image.thumbnail_url).set(user.bearer);
    expect([missing.status, missing.body.code]).toEqual([404, 'gallery.not_found']);
    expect(String(missing.headers.etag ?? '')).not.toContain(image.sha256);

    const other = (await ingest(app, curator, await images.png(120, 80), {})).body.image as GalleryImage;
    await get(other.thumbnail_url).expect(200);
    await app.request.delete(`/api/gallery/images/${other.id}`).set(curator.bearer).expect(204);
    const deleted = await app.request.get(other.thumbnail_url).set(user.bearer);
    expect([deleted.status, deleted.body.code]).toEqual([404, 'gallery.not_found']);
  });
});
