import type { GalleryImage, GallerySearchPage, ImageStatus } from '@atelier/contract';
import { expect } from 'vitest';
import { images, ingest } from './gallery-fixtures.js';
import type { TestApp, TestSession } from './test-app.js';

/** The settings of a sample image; what is left out takes a plain default. */
export interface SampleSettings {
  positive: string;
  negative?: string;
  checkpoint?: string;
  loras?: [name: string, weight: number][];
  sampler?: string;
  scheduler?: string;
  seed?: number;
  steps?: number;
  cfg?: number;
  width?: number;
  height?: number;
}

/**
 * An API-format prompt as ComfyUI runs it (checkpoint → LoRAs → KSampler ← two CLIPTextEncode, an
 * EmptyLatentImage, VAEDecode → SaveImage): what the graph walk reads at ingest.
 */
export function apiPrompt(s: SampleSettings): Record<string, unknown> {
  const prompt: Record<string, unknown> = {
    '4': {
      class_type: 'CheckpointLoaderSimple',
      inputs: { ckpt_name: s.checkpoint ?? 'sd_xl_base_1.0.safetensors' },
    },
  };
  let model: [string, number] = ['4', 0];
  let clip: [string, number] = ['4', 1];
  (s.loras ?? []).forEach(([name, weight], index) => {
    const id = String(20 + index);
    prompt[id] = {
      class_type: 'LoraLoader',
      inputs: { lora_name: name, strength_model: weight, strength_clip: weight, model, clip },
    };
    model = [id, 0];
    clip = [id, 1];
  });
  Object.assign(prompt, {
    '5': {
      class_type: 'EmptyLatentImage',
      inputs: { width: s.width ?? 1024, height: s.height ?? 1024, batch_size: 1 },
    },
    '6': { class_type: 'CLIPTextEncode', inputs: { text: s.positive, clip } },
    '7': { class_type: 'CLIPTextEncode', inputs: { text: s.negative ?? '', clip } },
    '3': {
      class_type: 'KSampler',
      inputs: {
        seed: s.seed ?? 1,
        steps: s.steps ?? 20,
        cfg: s.cfg ?? 7,
        sampler_name: s.sampler ?? 'euler',
        scheduler: s.scheduler ?? 'normal',
        denoise: 1,
        model,
        positive: ['6', 0],
        negative: ['7', 0],
        latent_image: ['5', 0],
      },
    },
    '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['4', 2] } },
    '9': { class_type: 'SaveImage', inputs: { filename_prefix: 'ComfyUI', images: ['8', 0] } },
  });
  return prompt;
}

/** Keeps a distinct small PNG made with these settings (POST /api/comfy/ingest, as a curator). */
export async function keepImage(
  app: TestApp,
  curator: TestSession,
  settings: SampleSettings | null,
  size: { width: number; height: number } = { width: 64, height: 48 },
): Promise<GalleryImage> {
  const fields = settings ? { workflow: JSON.stringify(apiPrompt(settings)) } : {};
  const res = await ingest(app, curator, await images.png(size.width, size.height), fields);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.image as GalleryImage;
}

/** GET /api/gallery/images with these parameters; asserts 200. */
export async function search(
  app: TestApp,
  session: TestSession,
  query: Record<string, string | number>,
): Promise<GallerySearchPage> {
  const res = await app.request.get('/api/gallery/images').query(query).set(session.bearer);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as GallerySearchPage;
}

/** The ids a search answers, in order. */
export async function searchIds(
  app: TestApp,
  session: TestSession,
  query: Record<string, string | number>,
): Promise<number[]> {
  return (await search(app, session, { stacks: 0, ...query })).items.map((item) => item.id);
}

/**
 * Marks images private or pending as the review workflow will (it arrives with curation): set in
 * the table here, so visibility can be tested now.
 */
export async function setStatus(app: TestApp, ids: number[], status: 'private' | 'pending' | 'approved') {
  await app.sql(`UPDATE "gallery_images" SET "status" = ? WHERE "id" IN (${ids.map(() => '?').join(', ')})`, [
    status,
    ...ids,
  ]);
}

/** Makes an image another user's, as if they had kept it. */
export async function setOwner(app: TestApp, ids: number[], ownerId: number) {
  await app.sql(
    `UPDATE "gallery_images" SET "created_by" = ? WHERE "id" IN (${ids.map(() => '?').join(', ')})`,
    [ownerId, ...ids],
  );
}

/** Puts images in any review state, `rejected` included (setStatus takes the states the kit began with). */
export async function setReviewStatus(app: TestApp, ids: number[], status: ImageStatus) {
  await app.sql(`UPDATE "gallery_images" SET "status" = ? WHERE "id" IN (${ids.map(() => '?').join(', ')})`, [
    status,
    ...ids,
  ]);
}

/** PATCH /api/gallery/images/:id with this body; the response, whatever its status. */
export function patchImage(app: TestApp, session: TestSession, id: number, body: unknown) {
  return app.request
    .patch(`/api/gallery/images/${id}`)
    .set(session.bearer)
    .send(body as object);
}
