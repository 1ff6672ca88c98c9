import type {
  BackgroundOverview,
  ExportBuildCreated,
  ExportBuildView,
  GalleryImage,
} from '@atelier/contract';
import { access, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BackgroundJobs } from '../src/background/background-jobs.js';
import { exportExpiryQueue } from '../src/gallery/export/export-builds.js';
import { GalleryStorage } from '../src/gallery/gallery-storage.js';
import { waitFor } from './comfy-kit.js';
import { exportZip, readZip } from './gallery-export-kit.js';
import { images, ingest } from './gallery-fixtures.js';
import { apiPrompt } from './gallery-search-kit.js';
import { expectRefusal } from './hostile/hostile-kit.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

/** The raw body of a GET, whatever its type. */
function binary(request: supertest.Test): Promise<supertest.Response> {
  return request.buffer(true).parse((response, done) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => done(null, Buffer.concat(chunks)));
  });
}

/**
 * ZIP exports built in the background (issue 16): POST /api/gallery/exports queues a `gallery.export`
 * job that writes the same bytes export.zip streams; its creator (or an admin) polls and downloads it;
 * a build whose image cannot be read retries, then fails with its reason in the admin's failed list.
 */
describe('POST /api/gallery/exports (background ZIP builds)', () => {
  let app: TestApp;
  let curator: TestSession;
  let other: TestSession;
  let admin: TestSession;
  const kept: GalleryImage[] = [];

  const keep = async (file: Buffer, name: string, positive: string, seed: number) => {
    const workflow = JSON.stringify(apiPrompt({ positive, seed, checkpoint: 'sd_builds.safetensors' }));
    const res = await ingest(app, curator, file, { workflow }, name);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.image as GalleryImage;
  };
  const view = async (id: string, session = curator) => {
    const res = await app.request.get(`/api/gallery/exports/${id}`).set(session.bearer);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as ExportBuildView;
  };
  const settled = (id: string) =>
    waitFor(
      () => view(id),
      (build) => build.status === 'ready' || build.status === 'failed',
      { timeoutMs: 20_000 },
    );
  const create = async (body: Record<string, unknown>, session = curator) => {
    const res = await app.request.post('/api/gallery/exports').set(session.bearer).send(body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body as ExportBuildCreated;
  };
  const filePath = async (image: GalleryImage) => {
    const rows = await app.sql<{ relative_path: string }>(
      `SELECT "relative_path" FROM "gallery_images" WHERE "id" = ?`,
      [image.id],
    );
    return app.nest.get(GalleryStorage).imagePath(rows[0]?.relative_path ?? 'missing');
  };
  const exportFile = (id: string) => join(app.rootDir, 'generated', 'exports', `${id}.zip`);

  beforeAll(async () => {
    app = await createTestApp({ env: { COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' } });
    curator = await app.login('curator');
    other = await app.login('curator', 'other-curator');
    admin = await app.login('admin');
    kept.push(await keep(await images.png(), 'a.png', 'a lighthouse, "quoted"', 21));
    kept.push(await keep(await images.jpeg(), 'b.jpg', 'harbour at dawn', 22));
    kept.push(await keep(await images.webp(), 'c.webp', 'ghost ship', 23));
    kept.push(await keep(await images.noisyPng(), 'd.png', 'storm front', 24));
  });
  afterAll(() => app?.close());

  it('builds the bytes export.zip streams for the same selection, then serves them (whole and by range)', async () => {
    const ids = kept.map((image) => image.id).join(',');
    // One instant for both: the file name and manifest.csv carry the time the export was asked for.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date() });
    let streamed: Awaited<ReturnType<typeof exportZip>>;
    let created: ExportBuildCreated;
    try {
      streamed = await exportZip(app, curator, { ids, sidecars: 1 });
      created = await create({ ids: kept.map((image) => image.id), sidecars: true });
    } finally {
      vi.useRealTimers();
    }
    expect(streamed.status).toBe(200);
    expect(created).toEqual({
      id: expect.any(String),
      status: 'queued',
      images: 4,
      bytes: streamed.body.length,
    });

    const ready = await settled(created.id);
    expect(ready).toMatchObject({ status: 'ready', progress: 1, images: 4, bytes: streamed.body.length });
    expect(ready.error).toBeUndefined();
    expect(ready.filename).toMatch(/^atelier-export-.+\.zip$/);
    expect(Date.parse(ready.expiresAt) - Date.parse(ready.createdAt)).toBe(24 * 60 * 60 * 1000);

    const download = await binary(
      app.request.get(`/api/gallery/exports/${created.id}/download`).set(curator.bearer),
    );
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toBe('application/zip');
    expect(download.headers['content-length']).toBe(String(streamed.body.length));
    expect(download.headers['content-disposition']).toBe(`attachment; filename="${ready.filename}"`);
    expect(download.headers['content-disposition']).toBe(streamed.headers['content-disposition']);
    const body = download.body as Buffer;
    expect(body.equals(streamed.body)).toBe(true);
    expect(readZip(body).map((entry) => entry.name)).toContain('manifest.csv');

    // The web app's link: the browser sends the session cookie, not a bearer.
    const byCookie = await binary(
      app.request.get(`/api/gallery/exports/${created.id}/download`).set('Cookie', curator.cookie),
    );
    expect(byCookie.status).toBe(200);
    expect((byCookie.body as Buffer).equals(streamed.body)).toBe(true);

    const range = await binary(
      app.request
        .get(`/api/gallery/exports/${created.id}/download`)
        .set(curator.bearer)
        .set('Range', 'bytes=10-29'),
    );
    expect(range.status).toBe(206);
    expect((range.body as Buffer).equals(streamed.body.subarray(10, 30))).toBe(true);

    // An admin sees it too; another user does not learn it exists.
    expect((await view(created.id, admin)).status).toBe('ready');
    expectRefusal(
      await app.request.get(`/api/gallery/exports/${created.id}`).set(other.bearer),
      404,
      'not_found',
    );
    expectRefusal(
      await app.request.get(`/api/gallery/exports/${created.id}/download`).set(other.bearer),
      404,
      'not_found',
    );
    expectRefusal(
      await app.request.delete(`/api/gallery/exports/${created.id}`).set(other.bearer),
      404,
      'not_found',
    );
  });

  it('refuses bad input with 400 and unknown builds with 404', async () => {
    const bad = async (body: unknown) => {
      const res = await app.request
        .post('/api/gallery/exports')
        .set(curator.bearer)
        .send(body as object);
      expectRefusal(res, 400, 'validation_failed');
    };
    await bad({ ids: 'x,y' });
    await bad({ ids: [] });
    await bad({ ids: [1.5] });
    await bad({ ids: [kept[0]?.id], q: 'lighthouse' });
    await bad({ sidecars: 'maybe' });
    // Images nobody can see here: nothing to export.
    await bad({ ids: [999_999] });
    expectRefusal(
      await app.request.get('/api/gallery/exports/no-such-export').set(curator.bearer),
      404,
      'not_found',
    );
    expectRefusal(
      await app.request.get(`/api/gallery/exports/${'9'.repeat(400)}/download`).set(curator.bearer),
      404,
      'not_found',
    );
    const anonymous = await app.request.post('/api/gallery/exports').send({});
    expect(anonymous.status).toBe(401);
  });

  it('builds a search selection, and DELETE removes the build and its file', async () => {
    const created = await create({ q: 'harbour' });
    expect(created.images).toBe(1);
    const ready = await settled(created.id);
    expect(ready.status).toBe('ready');
    await access(exportFile(created.id));
    const removed = await app.request.delete(`/api/gallery/exports/${created.id}`).set(curator.bearer);
    expect(removed.status).toBe(204);
    expectRefusal(
      await app.request.get(`/api/gallery/exports/${created.id}`).set(curator.bearer),
      404,
      'not_found',
    );
    await expect(access(exportFile(created.id))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('removes expired builds, files and rows, in the expiry job', async () => {
    const created = await create({ ids: [kept[1]?.id] });
    await settled(created.id);
    await app.sql(`UPDATE "gallery_exports" SET "expires_at" = ? WHERE "id" = ?`, [
      new Date(Date.now() - 1000).toISOString(),
      created.id,
    ]);
    // Past its time it is gone for its owner at once, before the sweep.
    expectRefusal(
      await app.request.get(`/api/gallery/exports/${created.id}`).set(curator.bearer),
      404,
      'not_found',
    );
    await app.nest.get(BackgroundJobs).add(exportExpiryQueue, {});
    await waitFor(
      () => app.sql(`SELECT "id" FROM "gallery_exports" WHERE "id" = ?`, [created.id]),
      (rows) => rows.length === 0,
    );
    await expect(access(exportFile(created.id))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('fails a build whose image can no longer be read, after its retries, and lists it for admins', async () => {
    const broken = await keep(await images.png(), 'e.png', 'doomed', 25);
    // Same name, same size class: the plan (a stat) passes, the copy cannot be labelled.
    const path = await filePath(broken);
    await writeFile(path, Buffer.alloc((await readFile(path)).length, 7));
    const created = await create({ ids: [kept[0]?.id, broken.id] });
    const failed = await settled(created.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toEqual(expect.any(String));
    expect(failed.error?.length).toBeGreaterThan(0);
    expectRefusal(
      await app.request.get(`/api/gallery/exports/${created.id}/download`).set(curator.bearer),
      409,
      'conflict',
    );
    const overview = (await app.request.get('/api/admin/background').set(admin.bearer))
      .body as BackgroundOverview;
    const queue = overview.queues.find((q) => q.name === 'gallery.export');
    expect(queue?.failed).toContainEqual(
      expect.objectContaining({ id: `export-${created.id}`, attempts: 3, reason: failed.error }),
    );
  });

  it('fails a build whose image file is gone when an unfinished build runs again after a restart', async () => {
    const doomed = await keep(await images.jpeg(), 'f.jpg', 'vanishing', 26);
    const created = await create({ ids: [kept[2]?.id, doomed.id] });
    await settled(created.id);
    // A build cut short by a stop: queued in its row, its job gone with the process; the file goes meanwhile.
    await app.sql(`UPDATE "gallery_exports" SET "status" = 'queued' WHERE "id" = ?`, [created.id]);
    await rm(await filePath(doomed));
    await app.restart();
    curator = await app.login('curator');
    const failed = await settled(created.id);
    expect(failed.status).toBe('failed');
    expect(failed.error).toContain(`image ${doomed.id}`);
  });
});
