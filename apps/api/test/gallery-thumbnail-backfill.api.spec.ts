import type { BackgroundOverview, GalleryImage } from '@atelier/contract';
import { rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { thumbnailQueue, thumbnailSweepQueue, ThumbnailBackfill } from '../src/gallery/thumbnail-backfill.js';
import { waitFor } from './comfy-kit.js';
import { filesUnder, images, ingest } from './gallery-fixtures.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

const comfyOn = { COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' };

/**
 * The thumbnail backfill: `gallery.thumbnail` jobs (one per image lacking its thumbnail) queued by a
 * `gallery.thumbnail-sweep` — at boot when the thumbnail folder is empty while there are images, or when
 * asked — on the app's background jobs (embedded here; BullMQ in scale-out mode).
 */
describe('thumbnail backfill', () => {
  let app: TestApp;
  let curator: TestSession;
  let admin: TestSession;
  let stored: GalleryImage[];

  const thumbnailOf = (image: GalleryImage) =>
    join(app.rootDir, 'generated/thumbnails', `${image.sha256}.webp`);
  const overview = async () =>
    (await app.request.get('/api/admin/background').set(admin.bearer).expect(200)).body as BackgroundOverview;
  const queueOf = (view: BackgroundOverview, name: string) => view.queues.find((q) => q.name === name);
  /** Both queues have nothing waiting, delayed or running (embedded: a job added is waiting at once). */
  const idle = () =>
    waitFor(overview, (view) =>
      [thumbnailQueue, thumbnailSweepQueue].every((name) => {
        const counts = queueOf(view, name)?.counts;
        return counts !== undefined && counts.waiting + counts.active + counts.delayed === 0;
      }),
    );

  beforeEach(async () => {
    app = await createTestApp({ env: comfyOn });
    curator = await app.login('curator');
    admin = await app.login('admin');
    stored = [];
    for (const [width, height] of [
      [300, 100],
      [120, 90],
      [64, 64],
    ] as const) {
      const res = await ingest(app, curator, await images.png(width, height), {});
      expect(res.status).toBe(201);
      stored.push(res.body.image as GalleryImage);
    }
  });
  afterEach(() => app.close());

  it('makes every thumbnail again after a boot on an emptied thumbnail folder', async () => {
    await rm(join(app.rootDir, 'generated/thumbnails'), { recursive: true, force: true });
    await app.restart();
    admin = await app.login('admin');
    await waitFor(
      () => filesUnder(app, 'generated/thumbnails'),
      (files) => files.length === stored.length,
    );
    await idle();
    for (const image of stored) {
      const meta = await sharp(thumbnailOf(image)).metadata();
      expect(meta.format).toBe('webp');
      expect(Math.max(meta.width ?? 0, meta.height ?? 0)).toBeLessThanOrEqual(512);
    }
    expect(queueOf(await overview(), thumbnailQueue)?.failed).toEqual([]);
  });

  it('a sweep makes only the missing thumbnail and leaves the others untouched', async () => {
    const [missing, ...kept] = stored;
    await rm(thumbnailOf(missing!));
    const before = await Promise.all(kept.map(async (image) => (await stat(thumbnailOf(image))).mtimeMs));
    await app.nest.get(ThumbnailBackfill).sweep();
    await idle();
    expect((await stat(thumbnailOf(missing!))).isFile()).toBe(true);
    const after = await Promise.all(kept.map(async (image) => (await stat(thumbnailOf(image))).mtimeMs));
    expect(after).toEqual(before);

    // Asked again with nothing missing: nothing is written.
    const again = (await stat(thumbnailOf(missing!))).mtimeMs;
    await app.nest.get(ThumbnailBackfill).queue(missing!.id);
    await idle();
    expect((await stat(thumbnailOf(missing!))).mtimeMs).toBe(again);
  });

  it('POST /api/admin/gallery/thumbnails/backfill (admins only) sweeps for missing thumbnails', async () => {
    const [missing] = stored;
    await rm(thumbnailOf(missing!));
    const user = await app.login('user');
    const refused = await app.request.post('/api/admin/gallery/thumbnails/backfill').set(user.bearer);
    expect(refused.status).toBe(403);
    const started = await app.request.post('/api/admin/gallery/thumbnails/backfill').set(admin.bearer);
    expect(started.status).toBe(202);
    await idle();
    expect((await stat(thumbnailOf(missing!))).isFile()).toBe(true);
  });

  it('lists an image whose original is gone as a failed thumbnail job, tried once', async () => {
    const [image] = stored;
    await rm(thumbnailOf(image!));
    const originals = await filesUnder(app, 'generated/comfy');
    for (const file of originals.filter((path) => path.includes(image!.sha256)))
      await rm(join(app.rootDir, 'generated/comfy', file));
    await app.nest.get(ThumbnailBackfill).queue(image!.id);
    const view = await waitFor(overview, (v) => queueOf(v, thumbnailQueue)?.counts.failed === 1);
    expect(queueOf(view, thumbnailQueue)?.failed).toEqual([
      {
        id: `thumbnail-${image!.id}`,
        name: thumbnailQueue,
        reason: `The file of image ${image!.id} is missing`,
        attempts: 1,
        failedAt: expect.any(String),
      },
    ]);
  });
});
