import type {
  BackgroundOverview,
  ExportBuildCreated,
  ExportBuildView,
  GalleryImage,
} from '@atelier/contract';
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BackgroundJobs } from '../../src/background/background-jobs.js';
import { BullmqBackgroundJobs } from '../../src/background/bullmq-background-jobs.js';
import { Sql } from '../../src/database/sql.js';
import { GalleryStorage } from '../../src/gallery/gallery-storage.js';
import { waitFor } from '../comfy-kit.js';
import { exportZip } from '../gallery-export-kit.js';
import { images, ingest } from '../gallery-fixtures.js';
import { apiPrompt } from '../gallery-search-kit.js';
import { createTestApp, type TestApp, type TestSession } from '../test-app.js';
import { redisClient, testRedisUrl } from './redis-kit.js';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database.js';

/**
 * ZIP exports built in the background with two replicas (two apps on one Postgres database, one Redis
 * database and one root folder): a build queued on A is made by whichever replica's worker takes the
 * `gallery.export` job, B answers its status from the shared row and serves the file from the shared
 * folder, byte for byte what export.zip streams. Redis database 3 is this spec's (flushed first).
 */
const redisUrl = testRedisUrl(3);
/** Scale-out mode wants one signing secret for all replicas. */
const jwtSecret = randomBytes(32).toString('hex');

function binary(request: supertest.Test): Promise<supertest.Response> {
  return request.buffer(true).parse((response, done) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => done(null, Buffer.concat(chunks)));
  });
}

describe('background ZIP exports, two replicas on Postgres and BullMQ', () => {
  let database: ScratchDatabase;
  let redis: Redis;
  let a: TestApp;
  let b: TestApp;
  let curator: TestSession;
  let other: TestSession;
  const kept: GalleryImage[] = [];

  beforeAll(async () => {
    database = await createScratchDatabase('atelier_export_builds');
    redis = redisClient(redisUrl);
    await redis.flushdb();
    const replica = (id: string, rootDir?: string) =>
      createTestApp({
        env: {
          ATELIER_DATABASE_URL: database.url,
          ATELIER_REDIS_URL: redisUrl,
          ATELIER_REPLICA_ID: id,
          ATELIER_JWT_SECRET: jwtSecret,
          COMFY_ENABLED: 'true',
          COMFY_API_URL: 'http://127.0.0.1:9',
        },
        ...(rootDir ? { rootDir } : {}),
      });
    a = await replica('exports-a');
    b = await replica('exports-b', a.rootDir);
    curator = await a.login('curator');
    other = await a.login('curator', 'other-curator');
    const files = [await images.png(), await images.jpeg(), await images.webp(), await images.noisyPng()];
    for (const [n, file] of files.entries()) {
      const workflow = JSON.stringify(
        apiPrompt({ positive: `scene ${n}`, seed: 40 + n, checkpoint: 'sd.safetensors' }),
      );
      const res = await ingest(
        a,
        curator,
        file,
        { workflow },
        `image-${n}.${n === 1 ? 'jpg' : n === 2 ? 'webp' : 'png'}`,
      );
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      kept.push(res.body.image as GalleryImage);
    }
  }, 120_000);

  afterAll(async () => {
    // B first: A owns the folder and deletes it.
    await b?.close();
    await a?.close();
    await redis?.quit();
    await database?.drop();
  });

  it('runs on Postgres and BullMQ', () => {
    for (const app of [a, b]) {
      expect(app.nest.get(Sql).dialect).toBe('postgres');
      expect(app.nest.get(BackgroundJobs)).toBeInstanceOf(BullmqBackgroundJobs);
    }
  });

  it('queued on A, built by either worker, polled and downloaded on B: the bytes export.zip streams', async () => {
    const ids = kept.map((image) => image.id);
    // One instant for both: the file name and manifest.csv carry the time the export was asked for.
    vi.useFakeTimers({ toFake: ['Date'], now: new Date() });
    let streamed: Awaited<ReturnType<typeof exportZip>>;
    let created: ExportBuildCreated;
    try {
      streamed = await exportZip(b, curator, { ids: ids.join(','), sidecars: 1, redact: 1 });
      const res = await a.request
        .post('/api/gallery/exports')
        .set(curator.bearer)
        .send({ ids, sidecars: true, redact: true });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      created = res.body as ExportBuildCreated;
    } finally {
      vi.useRealTimers();
    }
    expect(streamed.status).toBe(200);
    expect(created).toMatchObject({ status: 'queued', images: 4, bytes: streamed.body.length });

    const ready = await waitFor(
      async () =>
        (await b.request.get(`/api/gallery/exports/${created.id}`).set(curator.bearer))
          .body as ExportBuildView,
      (build) => build.status === 'ready' || build.status === 'failed',
      { timeoutMs: 30_000 },
    );
    expect(ready).toMatchObject({ status: 'ready', progress: 1, bytes: streamed.body.length });
    for (const app of [a, b]) {
      const download = await binary(
        app.request.get(`/api/gallery/exports/${created.id}/download`).set(curator.bearer),
      );
      expect(download.status).toBe(200);
      expect(download.headers['content-length']).toBe(String(streamed.body.length));
      expect((download.body as Buffer).equals(streamed.body)).toBe(true);
    }
    const stranger = await b.request.get(`/api/gallery/exports/${created.id}`).set(other.bearer);
    expect(stranger.status).toBe(404);
    expect(stranger.body).toMatchObject({ code: 'not_found' });

    // Cancelled on B: gone for A too (the row is shared).
    expect((await b.request.delete(`/api/gallery/exports/${created.id}`).set(curator.bearer)).status).toBe(
      204,
    );
    expect((await a.request.get(`/api/gallery/exports/${created.id}`).set(curator.bearer)).status).toBe(404);
  });

  it('a build whose image cannot be read retries, then is failed on both replicas and in the admins’ failed list', async () => {
    const workflow = JSON.stringify(
      apiPrompt({ positive: 'doomed', seed: 99, checkpoint: 'sd.safetensors' }),
    );
    const res = await ingest(a, curator, await images.png(), { workflow }, 'doomed.png');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const doomed = res.body.image as GalleryImage;
    const rows = await a.sql<{ relative_path: string }>(
      `SELECT "relative_path" FROM "gallery_images" WHERE "id" = ?`,
      [doomed.id],
    );
    const path = a.nest.get(GalleryStorage).imagePath(rows[0]?.relative_path ?? 'missing');
    // Same size, not a PNG: the plan (a stat) passes, the labelled copy cannot be made.
    await writeFile(path, Buffer.alloc((await readFile(path)).length, 7));
    const created = await a.request
      .post('/api/gallery/exports')
      .set(curator.bearer)
      .send({ ids: [doomed.id] });
    expect(created.status, JSON.stringify(created.body)).toBe(202);
    const id = (created.body as ExportBuildCreated).id;
    const failed = await waitFor(
      async () =>
        (await b.request.get(`/api/gallery/exports/${id}`).set(curator.bearer)).body as ExportBuildView,
      (build) => build.status === 'failed',
      { timeoutMs: 30_000 },
    );
    expect(failed.error).toEqual(expect.any(String));
    expect(
      ((await a.request.get(`/api/gallery/exports/${id}`).set(curator.bearer)).body as ExportBuildView)
        .status,
    ).toBe('failed');
    const admin = await a.login('admin');
    for (const app of [a, b]) {
      const overview = (await app.request.get('/api/admin/background').set(admin.bearer))
        .body as BackgroundOverview;
      const queue = overview.queues.find((q) => q.name === 'gallery.export');
      expect(queue?.failed).toContainEqual(
        expect.objectContaining({ id: `export-${id}`, attempts: 3, reason: failed.error }),
      );
    }
  });
});
