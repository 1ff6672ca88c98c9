import { exportMaxImages, type GalleryImage } from '@atelier/contract';
import { get, type IncomingMessage } from 'node:http';
import { randomBytes } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GalleryStorage } from '../src/gallery/gallery-storage.js';
import { exportZip, readZip } from './gallery-export-kit.js';
import { ingest } from './gallery-fixtures.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

/**
 * The export streams: the response starts before the files are read, and a file gone by the time
 * its turn comes breaks the download instead of ending it short of its announced length. Large
 * selections are made by copying one row many times (the rows share a file; the export reads it for each).
 */
describe('GET /api/gallery/export.zip: streaming and size limits', () => {
  let app: TestApp;
  let curator: TestSession;

  beforeEach(async () => {
    app = await createTestApp({ env: { COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' } });
    curator = await app.login('curator');
  });

  afterEach(() => app.close());

  /** A PNG of random pixels (it does not compress), `side` pixels square. */
  async function keepNoisy(side: number): Promise<GalleryImage> {
    const png = await sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
      .png()
      .toBuffer();
    const res = await ingest(app, curator, png);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.image as GalleryImage;
  }

  /** The absolute path of an image's original. */
  async function imageFile(id: number): Promise<string> {
    const rows = await app.sql<{ relative_path: string }>(
      `SELECT "relative_path" FROM "gallery_images" WHERE "id" = ?`,
      [id],
    );
    return app.nest.get(GalleryStorage).imagePath(rows[0]?.relative_path ?? 'missing');
  }

  /** Adds `count` rows that copy image `id` (distinct hashes, the same file), newer than everything. */
  async function cloneRows(id: number, count: number): Promise<void> {
    const columns = `"mime", "ext", "bytes", "width", "height", "relative_path", "thumbnail_path", "metadata_json", "created_by", "created_at"`;
    // A distinct 64-digit hash per copy: SQLite has printf, Postgres builds it from to_hex and lpad.
    const hash =
      app.engine === 'postgres'
        ? `lpad(to_hex("id"), 58, '0') || lpad("i"::text, 6, '0')`
        : `printf('%058x%06d', "id", "i")`;
    await app.sql(
      `WITH RECURSIVE "n"("i") AS (SELECT 1 UNION ALL SELECT "i" + 1 FROM "n" WHERE "i" < ?)
       INSERT INTO "gallery_images" ("sha256", ${columns})
       SELECT ${hash}, ${columns} FROM "gallery_images", "n" WHERE "id" = ?`,
      [count, id],
    );
  }

  it(`answers 400 for a search matching more than ${exportMaxImages} images, before reading any`, async () => {
    const image = await keepNoisy(64);
    await cloneRows(image.id, exportMaxImages);
    const res = await exportZip(app, curator, {});
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body.toString('utf8'))).toMatchObject({
      code: 'validation_failed',
      details: { selection: [`must name at most ${exportMaxImages} images`] },
    });
  });

  it('leaves out an image whose file is missing before the export starts; the ZIP stays whole', async () => {
    const gone = await keepNoisy(32);
    const kept = await keepNoisy(32);
    await rm(await imageFile(gone.id));
    const res = await exportZip(app, curator, {});
    expect(res.status).toBe(200);
    expect(Number(res.headers['content-length'])).toBe(res.body.length);
    const names = readZip(res.body).map((entry) => entry.name);
    expect(names).toEqual([`${kept.id}-${kept.sha256.slice(0, 12)}.png`, 'manifest.csv']);
  });

  it('sends headers and the first bytes before the last file is read; a file gone by then breaks the download', async () => {
    const last = await keepNoisy(64);
    const big = await keepNoisy(512);
    await cloneRows(big.id, 120);
    const response = await new Promise<IncomingMessage>((resolve, reject) => {
      get(`${app.origin}/api/gallery/export.zip`, { headers: curator.bearer }, resolve).on('error', reject);
    });
    expect(response.statusCode).toBe(200);
    const announced = Number(response.headers['content-length']);
    expect(announced).toBeGreaterThan(120 * big.bytes);
    const events: string[] = ['headers'];
    // Hold the download after its first chunk, remove the oldest image's file (the last entry), go on.
    const first = await new Promise<Buffer>((resolve) => response.once('data', resolve));
    response.pause();
    events.push('first chunk');
    await rm(await imageFile(last.id));
    events.push('last file removed');
    let received = first.length;
    const outcome = await new Promise<string>((resolve) => {
      response.on('data', (chunk: Buffer) => (received += chunk.length));
      response.on('end', () => resolve(received === announced ? 'complete' : 'short'));
      response.on('aborted', () => resolve('broken'));
      response.on('error', () => resolve('broken'));
      response.resume();
    });
    events.push(outcome);
    expect(events).toEqual(['headers', 'first chunk', 'last file removed', 'broken']);
    expect(received).toBeLessThan(announced);
    expect(received).toBeGreaterThan(120 * big.bytes);
  });

  it('lets a client go away mid-download: the files it held are closed, and the server serves on', async () => {
    const big = await keepNoisy(512);
    await cloneRows(big.id, 60);
    const path = await imageFile(big.id);
    // Descriptors of this process open on the image's file (the app runs in this process).
    const openOnFile = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`) === path;
        } catch {
          return false;
        }
      }).length;
    let openWhileStreaming = 0;
    await new Promise<void>((resolve, reject) => {
      const request = get(`${app.origin}/api/gallery/export.zip`, { headers: curator.bearer }, (response) => {
        // Leave while a copy is being read (not between two files).
        const onData = () => {
          openWhileStreaming = openOnFile();
          if (openWhileStreaming === 0) return;
          response.off('data', onData);
          request.destroy();
          resolve();
        };
        response.on('data', onData);
        response.on('end', () => reject(new Error('the download ended before a file was seen open')));
      });
      request.on('error', (error: NodeJS.ErrnoException) =>
        error.code === 'ECONNRESET' ? undefined : reject(error),
      );
    });
    expect(openWhileStreaming).toBe(1);
    await expect.poll(openOnFile, { timeout: 5000 }).toBe(0);
    const again = await exportZip(app, curator, { ids: String(big.id) });
    expect(again.status).toBe(200);
    expect(readZip(again.body).map((entry) => entry.name)).toHaveLength(2);
  });
});
