import type {
  ComfyStatusResponse,
  ComfyUploadResponse,
  GalleryImage,
  GalleryLineage,
  IngestFromJobResponse,
  IngestResponse,
  Txt2ImgResponse,
} from '@atelier/contract';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { TrashPurge } from '../src/gallery/trash/trash-purge.js';
import { startComfyHarness, waitFor, type ComfyHarness } from './comfy-kit.js';
import type { TestApp, TestSession } from './test-app.js';

/**
 * Lineage end to end: the simulator runs real img2img jobs from uploaded bytes, the gallery keeps
 * their results, and GET /lineage names parent and children by content hash, in either order of
 * arrival, under the gallery's one visibility rule.
 */
describe('GET /api/gallery/images/:id/lineage', () => {
  let harness: ComfyHarness;
  let app: TestApp;
  let curator: TestSession;

  afterEach(() => harness.close());

  async function start() {
    harness = await startComfyHarness({
      sim: { stepMs: 2, models: { checkpoints: ['fake-model.safetensors'] } },
    });
    app = harness.app;
    curator = await app.login('curator');
  }

  /** A distinct PNG per call: the gallery keeps bytes once. */
  let shade = 10;
  function png(): Promise<Buffer> {
    shade += 20;
    return sharp({ create: { width: 48, height: 32, channels: 3, background: { r: shade, g: 80, b: 140 } } })
      .png()
      .toBuffer();
  }

  async function ingestBytes(session: TestSession, bytes: Buffer): Promise<IngestResponse> {
    const res = await app.request
      .post('/api/comfy/ingest')
      .set(session.bearer)
      .attach('file', bytes, { filename: 'photo.png', contentType: 'image/png' });
    expect([200, 201]).toContain(res.status);
    return res.body as IngestResponse;
  }

  async function fileOf(session: TestSession, image: GalleryImage): Promise<Buffer> {
    const res = await app.request
      .get(image.file_url)
      .set(session.bearer)
      .buffer(true)
      .parse((response, callback) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => callback(null, Buffer.concat(chunks)));
      })
      .expect(200);
    return res.body as Buffer;
  }

  async function upload(session: TestSession, bytes: Buffer): Promise<ComfyUploadResponse> {
    const res = await app.request
      .post('/api/comfy/upload')
      .set(session.bearer)
      .attach('image', bytes, { filename: 'input.png', contentType: 'image/png' })
      .expect(201);
    return res.body as ComfyUploadResponse;
  }

  /** img2img from an upload, run to the end; answers the job's prompt id. */
  async function img2img(session: TestSession, input: ComfyUploadResponse, caption: string): Promise<string> {
    const res = await app.request
      .post('/api/comfy/txt2img')
      .set(session.bearer)
      .send({ caption, image: input.image, denoise: 0.6, steps: 2 })
      .expect(201);
    const promptId = (res.body as Txt2ImgResponse).prompt_id;
    const status = await waitFor(
      async () =>
        (await app.request.get(`/api/comfy/status/${promptId}`).set(session.bearer))
          .body as ComfyStatusResponse,
      (s) => s.status !== 'queued' && s.status !== 'running',
    );
    expect(status.status).toBe('succeeded');
    return promptId;
  }

  async function keepJob(session: TestSession, promptId: string, route = '/api/comfy/ingest/from-job') {
    const res = await app.request.post(route).set(session.bearer).send({ prompt_id: promptId }).expect(200);
    const [item] = (res.body as IngestFromJobResponse).items;
    expect(item?.duplicate).toBe(false);
    return item!.image;
  }

  async function lineage(session: TestSession, id: number) {
    return app.request.get(`/api/gallery/images/${id}/lineage`).set(session.bearer);
  }
  async function lineageIds(session: TestSession, id: number) {
    const res = await lineage(session, id);
    expect(res.status).toBe(200);
    const body = res.body as GalleryLineage;
    return { parent: body.parent?.id ?? null, children: body.children.map((child) => child.id) };
  }

  it('names the ingested image an img2img job started from as the parent of its result, and lists the children', async () => {
    await start();
    const parent = (await ingestBytes(curator, await png())).image;
    // The bytes go round trip through the browser's path: the gallery file, uploaded as an input.
    const input = await upload(curator, await fileOf(curator, parent));
    expect(input.sha256).toBe(parent.sha256);

    const first = await keepJob(curator, await img2img(curator, input, 'a lighthouse, repainted'));
    const second = await keepJob(curator, await img2img(curator, input, 'a harbour, repainted'));

    expect(await lineageIds(curator, first.id)).toEqual({ parent: parent.id, children: [] });
    expect(await lineageIds(curator, parent.id)).toEqual({ parent: null, children: [second.id, first.id] });
    const body = (await lineage(curator, first.id)).body as GalleryLineage;
    expect(body.parent).toMatchObject({
      id: parent.id,
      sha256: parent.sha256,
      thumbnail_url: parent.thumbnail_url,
    });
    expect(body.children).toEqual([]);

    // The sidecar next to the child's file names its parent's bytes too.
    const day = first.created_at.slice(0, 10);
    const sidecar = JSON.parse(
      await readFile(join(app.rootDir, 'generated/comfy', day, `${first.sha256}.json`), 'utf8'),
    ) as Record<string, unknown>;
    expect(sidecar.parent_sha256).toBe(parent.sha256);

    // A txt2img image has no parent; its sidecar says nothing of one.
    const plain = await app.request
      .post('/api/comfy/txt2img')
      .set(curator.bearer)
      .send({ caption: 'from nothing', width: 64, height: 64, steps: 2 })
      .expect(201);
    const plainId = (plain.body as Txt2ImgResponse).prompt_id;
    await waitFor(
      async () =>
        (await app.request.get(`/api/comfy/status/${plainId}`).set(curator.bearer))
          .body as ComfyStatusResponse,
      (s) => s.status === 'succeeded',
    );
    const orphan = await keepJob(curator, plainId);
    expect(await lineageIds(curator, orphan.id)).toEqual({ parent: null, children: [] });
  });

  it('links a child kept before its parent once the parent’s bytes arrive', async () => {
    await start();
    const bytes = await png();
    // Uploaded straight from disk: the gallery does not know these bytes yet.
    const input = await upload(curator, bytes);
    const child = await keepJob(curator, await img2img(curator, input, 'made before its parent was kept'));
    expect(await lineageIds(curator, child.id)).toEqual({ parent: null, children: [] });

    const parent = (await ingestBytes(curator, bytes)).image;
    expect(parent.sha256).toBe(input.sha256);
    expect(await lineageIds(curator, child.id)).toEqual({ parent: parent.id, children: [] });
    expect(await lineageIds(curator, parent.id)).toEqual({ parent: null, children: [child.id] });
  });

  it('shows a parent or child only to those who may see it: a hidden one is left out, never a 403', async () => {
    await start();
    const author = await app.login('user', 'author');
    const viewer = await app.login('user', 'viewer');
    // The author's own private image, kept from a job of theirs…
    const seedJob = await app.request
      .post('/api/comfy/txt2img')
      .set(author.bearer)
      .send({ caption: 'a private sketch', width: 64, height: 64, steps: 2 })
      .expect(201);
    const seedId = (seedJob.body as Txt2ImgResponse).prompt_id;
    await waitFor(
      async () =>
        (await app.request.get(`/api/comfy/status/${seedId}`).set(author.bearer)).body as ComfyStatusResponse,
      (s) => s.status === 'succeeded',
    );
    const privateParent = await keepJob(author, seedId, '/api/gallery/keep');
    // …painted over by the author, and the result approved by a curator for the whole team.
    const input = await upload(author, await fileOf(author, privateParent));
    const publicChild = await keepJob(curator, await img2img(author, input, 'a public painting'));

    expect(await lineageIds(author, publicChild.id)).toEqual({ parent: privateParent.id, children: [] });
    expect(await lineageIds(curator, publicChild.id)).toEqual({ parent: privateParent.id, children: [] });
    expect(await lineageIds(viewer, publicChild.id)).toEqual({ parent: null, children: [] });
    expect(await lineageIds(author, privateParent.id)).toEqual({ parent: null, children: [publicChild.id] });
    // The private image itself is not there for the viewer, like any image they may not see.
    const hidden = await lineage(viewer, privateParent.id);
    expect(hidden.status).toBe(404);
    expect(hidden.body).toMatchObject({ code: 'gallery.not_found' });
    // Trashed, the parent drops out for everyone.
    await app.request.delete(`/api/gallery/images/${privateParent.id}`).set(author.bearer).expect(204);
    expect(await lineageIds(author, publicChild.id)).toEqual({ parent: null, children: [] });

    expect((await lineage(viewer, 999_999)).status).toBe(404);
    expect((await lineage(viewer, -1)).status).toBe(400);
  });

  it('forgets a purged parent, and links the child again when the same bytes are kept again', async () => {
    await start();
    const bytes = await png();
    const parent = (await ingestBytes(curator, bytes)).image;
    const input = await upload(curator, await fileOf(curator, parent));
    const child = await keepJob(curator, await img2img(curator, input, 'outlives its parent'));
    expect(await lineageIds(curator, child.id)).toEqual({ parent: parent.id, children: [] });

    await app.request.delete(`/api/gallery/images/${parent.id}`).set(curator.bearer).expect(204);
    await app.sql(`UPDATE "gallery_images" SET "trashed_at" = ? WHERE "id" = ?`, [
      new Date(Date.now() - 400 * 86_400_000).toISOString(), // ISO text on both engines
      parent.id,
    ]);
    expect(await app.nest.get(TrashPurge).purgeNow()).toBe(1);
    const [row] = await app.sql<{ parent_id: number | null; parent_sha256: string | null }>(
      `SELECT "parent_id", "parent_sha256" FROM "gallery_images" WHERE "id" = ?`,
      [child.id],
    );
    expect(row).toEqual({ parent_id: null, parent_sha256: parent.sha256 });
    expect(await lineageIds(curator, child.id)).toEqual({ parent: null, children: [] });

    const again = (await ingestBytes(curator, bytes)).image;
    expect(again.id).not.toBe(parent.id);
    expect(await lineageIds(curator, child.id)).toEqual({ parent: again.id, children: [] });
  });
});
