import type { ErrorBody, GalleryImage } from '@atelier/contract';
import type { Type } from '@nestjs/common';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { Response } from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { FileImageStore } from '../src/gallery/file-image-store.js';
import { ImageStore, imageKey, type StoreKey } from '../src/gallery/image-store.js';
import { images, ingest } from './gallery-fixtures.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

const comfyOn = { COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' };

/** The file store with no local paths: what an object store looks like to the gallery (an abstract
 * class is a Nest token but not a `Type`, hence the cast where it is overridden). */
class RemoteLikeStore extends FileImageStore {
  readonly streamed: StoreKey[] = [];

  override localPath(): string | null {
    return null;
  }

  override stream(key: StoreKey, range?: { start: number; end: number }) {
    this.streamed.push(key);
    return super.stream(key, range);
  }
}

function binary(res: Response, callback: (error: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => callback(null, Buffer.concat(chunks)));
}

/**
 * Images served through an ImageStore that keeps no file on this machine (so not through `send`): whole,
 * by range, 304, HEAD, a labelled download, a thumbnail made again, a missing file's 404.
 */
describe('gallery files from a store without local paths', () => {
  let root: string;
  let store: RemoteLikeStore;
  let app: TestApp;
  let user: TestSession;
  let png: Buffer;
  let image: GalleryImage;

  const get = (url: string) => app.request.get(url).set(user.bearer).buffer(true).parse(binary);

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'atelier-remote-store-'));
    store = new RemoteLikeStore(loadConfig({ ATELIER_ROOT_DIR: root }));
    app = await createTestApp({ env: comfyOn, rootDir: root, overrides: [[ImageStore as Type, store]] });
    const curator = await app.login('curator');
    user = await app.login('user');
    png = await images.png(300, 100);
    const res = await ingest(app, curator, png, {});
    expect(res.status).toBe(201);
    image = res.body.image as GalleryImage;
  });
  afterEach(async () => {
    await app.close();
    await rm(root, { recursive: true, force: true });
  });

  it('answers the original whole, by range, 304 to its ETag and HEAD without a body, from the store’s stream', async () => {
    const whole = await get(image.file_url);
    expect(whole.status).toBe(200);
    expect(whole.body).toEqual(png);
    expect(whole.headers['content-length']).toBe(String(png.length));
    expect(whole.headers.etag).toBe(`"${image.sha256}"`);
    expect(store.streamed.some((key) => key.area === 'images')).toBe(true);

    const first = await get(image.file_url).set('Range', 'bytes=0-9');
    expect(first.status).toBe(206);
    expect(first.headers['content-range']).toBe(`bytes 0-9/${png.length}`);
    expect(first.body).toEqual(png.subarray(0, 10));
    const tail = await get(image.file_url).set('Range', 'bytes=-5');
    expect(tail.status).toBe(206);
    expect(tail.body).toEqual(png.subarray(png.length - 5));
    const past = await get(image.file_url).set('Range', `bytes=${png.length}-`);
    expect(past.status).toBe(416);
    expect(past.headers['content-range']).toBe(`bytes */${png.length}`);

    const fresh = await get(image.file_url).set('If-None-Match', `"${image.sha256}"`);
    expect(fresh.status).toBe(304);
    const head = await app.request.head(image.file_url).set(user.bearer);
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe(String(png.length));
  });

  it('labels a download read through the store, and makes a missing thumbnail again', async () => {
    const download = await get(`${image.file_url}?download=1`);
    expect(download.status).toBe(200);
    expect(download.headers['content-disposition']).toMatch(/^attachment/);
    expect((await sharp(download.body as Buffer).metadata()).width).toBe(300);

    await store.remove([{ area: 'thumbnails', path: `${image.sha256}.webp` }]);
    const thumbnail = await get(image.thumbnail_url);
    expect(thumbnail.status).toBe(200);
    expect((await sharp(thumbnail.body as Buffer).metadata()).format).toBe('webp');
    expect(await store.exists({ area: 'thumbnails', path: `${image.sha256}.webp` })).toBe(true);
  });

  it('answers 404 with the contract body when the original is gone from the store', async () => {
    const originals: string[] = [];
    for await (const path of store.list('images')) if (path.includes(image.sha256)) originals.push(path);
    await store.remove(originals.map(imageKey));
    const res = await app.request.get(image.file_url).set(user.bearer);
    expect(res.status).toBe(404);
    expect((res.body as ErrorBody).code).toBe('gallery.not_found');
  });
});
