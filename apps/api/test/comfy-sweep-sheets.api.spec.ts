import type { SweepCreateResponse, SweepRequest, SweepResponse } from '@atelier/contract';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BackgroundJobs } from '../src/background/background-jobs.js';
import { SweepSheetRenderer } from '../src/sweeps/sweep-sheet-render.js';
import { startComfyHarness, waitFor, type ComfyHarness } from './comfy-kit.js';
import type { TestApp, TestSession } from './test-app.js';

const repoConfig = fileURLToPath(new URL('../../../config', import.meta.url));
const request: SweepRequest = {
  base: { kind: 'txt2img', params: { caption: 'a red fox', width: 64, height: 64, steps: 2 } },
  axes: [
    { param: 'cfg', values: [3, 6] },
    { param: 'sampler', values: ['euler', 'dpmpp_2m'] },
  ],
};

/**
 * Contact sheets are drawn once per state of a sweep's page by a `sweep.sheet` background job into the
 * ImageStore (generated/thumbnails/sweep-sheets/), then served from there with an ETag.
 */
describe('contact sheets drawn once in the background', () => {
  let harness: ComfyHarness;
  let app: TestApp;
  let user: TestSession;

  beforeEach(async () => {
    harness = await startComfyHarness({ sim: { stepMs: 2 }, env: { ATELIER_CONFIG_DIR: repoConfig } });
    app = harness.app;
    user = await app.login('user');
  });
  afterEach(() => harness.close());

  const sheet = (id: string, headers: Record<string, string> = {}) =>
    app.request
      .get(`/api/comfy/sweeps/${id}/contact-sheet.png`)
      .set(user.bearer)
      .set(headers)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      });
  const finished = async (id: string) => {
    const view = async () =>
      (await app.request.get(`/api/comfy/sweeps/${id}`).set(user.bearer).expect(200)).body as SweepResponse;
    return waitFor(view, (sweep) => sweep.cells.every((cell) => cell.status === 'succeeded'));
  };
  const storedSheets = async (id: string) =>
    readdir(join(app.rootDir, 'generated/thumbnails/sweep-sheets', id)).catch(() => [] as string[]);

  it('draws a page once, serves the stored sheet after, and answers 304 to its ETag', async () => {
    const render = vi.spyOn(app.nest.get(SweepSheetRenderer), 'render');
    const created = (await app.request.post('/api/comfy/sweeps').set(user.bearer).send(request).expect(201))
      .body as SweepCreateResponse;
    await finished(created.sweep_id);

    const first = await sheet(created.sweep_id).expect(200).expect('Content-Type', 'image/png');
    const etag = first.headers['etag'] as string;
    expect(etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect((await sharp(first.body as Buffer).metadata()).format).toBe('png');
    expect(render).toHaveBeenCalledTimes(1);
    expect(await storedSheets(created.sweep_id)).toHaveLength(1);

    // Two more at once: the stored file, not drawn again.
    const again = await Promise.all([
      sheet(created.sweep_id).expect(200),
      sheet(created.sweep_id).expect(200),
    ]);
    for (const res of again) {
      expect(res.headers['etag']).toBe(etag);
      expect(Buffer.compare(res.body as Buffer, first.body as Buffer)).toBe(0);
    }
    expect(render).toHaveBeenCalledTimes(1);

    const fresh = await sheet(created.sweep_id, { 'If-None-Match': etag });
    expect(fresh.status).toBe(304);
    expect(render).toHaveBeenCalledTimes(1);
  });

  it('draws a changed page anew and drops the sheet of its earlier state', async () => {
    const created = (await app.request.post('/api/comfy/sweeps').set(user.bearer).send(request).expect(201))
      .body as SweepCreateResponse;
    const sweep = await finished(created.sweep_id);
    const first = await sheet(created.sweep_id).expect(200);
    const [before] = await storedSheets(created.sweep_id);
    const render = vi.spyOn(app.nest.get(SweepSheetRenderer), 'render');

    // One cell's job failed since (as the ledger would record it): the page's state changed.
    const cell = sweep.cells[0]!;
    await app.sql(`UPDATE "comfy_jobs" SET "status" = 'failed' WHERE "prompt_id" = ?`, [cell.prompt_id]);
    const changed = await sheet(created.sweep_id, { 'If-None-Match': first.headers['etag'] as string });
    expect(changed.status).toBe(200);
    expect(changed.headers['etag']).not.toBe(first.headers['etag']);
    expect(Buffer.compare(changed.body as Buffer, first.body as Buffer)).not.toBe(0);
    expect(render).toHaveBeenCalledTimes(1);
    const after = await storedSheets(created.sweep_id);
    expect(after).toHaveLength(1);
    expect(after[0]).not.toBe(before);
  });

  it('draws the sheet in the request when the queue cannot take the job, and stores it for the next', async () => {
    const created = (await app.request.post('/api/comfy/sweeps').set(user.bearer).send(request).expect(201))
      .body as SweepCreateResponse;
    await finished(created.sweep_id);
    const render = vi.spyOn(app.nest.get(SweepSheetRenderer), 'render');
    vi.spyOn(app.nest.get(BackgroundJobs), 'add').mockRejectedValueOnce(new Error('Redis is down'));
    const res = await sheet(created.sweep_id).expect(200).expect('Content-Type', 'image/png');
    expect((await sharp(res.body as Buffer).metadata()).format).toBe('png');
    expect(render).toHaveBeenCalledTimes(1);
    expect(await storedSheets(created.sweep_id)).toHaveLength(1);
    await sheet(created.sweep_id).expect(200);
    expect(render).toHaveBeenCalledTimes(1);
  });
});
