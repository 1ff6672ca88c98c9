import type { BackgroundOverview, GalleryImage } from '@atelier/contract';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { thumbnailQueue, ThumbnailBackfill } from '../src/gallery/thumbnail-backfill.js';
import { ThumbnailsService } from '../src/gallery/thumbnails.service.js';
import { waitFor } from './comfy-kit.js';
import { images, ingest } from './gallery-fixtures.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

/**
 * Ingest renders the thumbnail inline; when the encoder fails on bytes that passed inspection, the
 * image is still kept and its thumbnail is a `gallery.thumbnail` background job, not the next request's.
 */
describe('ingest with a failed thumbnail render', () => {
  let app: TestApp;
  let curator: TestSession;
  let admin: TestSession;

  const overview = async () =>
    (await app.request.get('/api/admin/background').set(admin.bearer).expect(200)).body as BackgroundOverview;
  const thumbnailJobs = (view: BackgroundOverview) => view.queues.find((q) => q.name === thumbnailQueue);

  beforeEach(async () => {
    // Ingest is part of the ComfyUI API (no ComfyUI is reached here).
    app = await createTestApp({ env: { COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' } });
    curator = await app.login('curator');
    admin = await app.login('admin');
  });
  afterEach(() => app.close());

  it('keeps the image and makes its thumbnail in a gallery.thumbnail job', async () => {
    const thumbnails = app.nest.get(ThumbnailsService);
    const render = vi.spyOn(thumbnails, 'render');
    // Only ingest's render fails: the job's render (regenerate) is the real one.
    render.mockRejectedValueOnce(new Error('encoder out of memory'));
    const queued = vi.spyOn(app.nest.get(ThumbnailBackfill), 'queue');
    const res = await ingest(app, curator, await images.png(300, 100), {});
    expect(res.status).toBe(201);
    const image = res.body.image as GalleryImage;

    const thumbnail = join(app.rootDir, 'generated/thumbnails', `${image.sha256}.webp`);
    expect(queued).toHaveBeenCalledWith(image.id);
    await waitFor(
      () =>
        stat(thumbnail).then(
          (s) => s.isFile(),
          () => false,
        ),
      (made) => made,
    );
    expect(thumbnailJobs(await overview())?.failed).toEqual([]);
    const meta = await sharp(thumbnail).metadata();
    expect(meta.format).toBe('webp');
    expect(meta.width).toBeLessThanOrEqual(512);
    // Ingest's failed call, then the job's.
    expect(render).toHaveBeenCalledTimes(2);
    const served = await app.request.get(`/api/gallery/images/${image.id}/thumbnail`).set(curator.bearer);
    expect(served.status).toBe(200);
  });

  it('queues no job when ingest rendered the thumbnail itself', async () => {
    const queued = vi.spyOn(app.nest.get(ThumbnailBackfill), 'queue');
    const res = await ingest(app, curator, await images.png(120, 90), {});
    expect(res.status).toBe(201);
    expect(queued).not.toHaveBeenCalled();
    const image = res.body.image as GalleryImage;
    expect((await stat(join(app.rootDir, 'generated/thumbnails', `${image.sha256}.webp`))).isFile()).toBe(
      true,
    );
  });
});
