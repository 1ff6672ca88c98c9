import type { GalleryPage, IngestResponse } from '@atelier/contract';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiProcess, freePort, ingestOver } from './api-process.js';

function noisyPng(side: number): Promise<Buffer> {
  return sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

async function filesUnder(rootDir: string, dir: string): Promise<string[]> {
  if (!existsSync(join(rootDir, dir))) return [];
  const entries = await readdir(join(rootDir, dir), { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(rootDir, join(entry.parentPath, entry.name)));
}

/**
 * No room left for the image: the server runs with RLIMIT_FSIZE (`ulimit -f`), so writing a file
 * past the limit fails with EFBIG as a full disk fails with ENOSPC (a tmpfs would need mount rights,
 * which CI containers lack). The limit is read back from /proc: without it the test fails, never skips.
 */
describe('the disk filling up during ingest', () => {
  let rootDir: string | undefined;
  let api: ApiProcess | undefined;

  afterEach(async () => {
    await api?.kill();
    api = undefined;
    if (rootDir) await rm(rootDir, { recursive: true, force: true });
    rootDir = undefined;
  });

  it('answers 507 storage_full, leaves no partial file, and keeps serving', async () => {
    rootDir = await mkdtemp(join(tmpdir(), 'atelier-fault-'));
    const env = { COMFY_ENABLED: 'true', COMFY_API_URL: `http://127.0.0.1:${await freePort()}` };
    api = await ApiProcess.start({ rootDir, env, maxFileKiB: 2048 });
    const limit = api.maxFileBytes();
    expect(limit, 'the server runs with a file size limit').toBe(2048 * 1024);
    const bearer = await api.adminBearer();

    // About 3 MB: it decodes and thumbnails fine in memory, but its file cannot be written.
    const big = await noisyPng(1000);
    expect(big.length).toBeGreaterThan(limit!);
    const refused = await ingestOver(api.url, bearer, big);
    expect(refused).toMatchObject({ status: 507, body: { code: 'storage_full' } });
    expect(JSON.stringify(refused.body)).not.toMatch(/EFBIG|ENOSPC|\/tmp|at .*\.js/);

    expect(await filesUnder(rootDir, 'generated')).toEqual([]);
    const empty = await fetch(`${api.url}/api/gallery/images`, { headers: bearer });
    expect(((await empty.json()) as GalleryPage).items).toEqual([]);

    // The server is still up and stores what fits.
    expect((await fetch(`${api.url}/api/health`)).status).toBe(200);
    const small = await noisyPng(64);
    const kept = await ingestOver(api.url, bearer, small);
    expect(kept.status).toBe(201);
    const { image } = kept.body as IngestResponse;
    const page = await fetch(`${api.url}/api/gallery/images`, { headers: bearer });
    expect(((await page.json()) as GalleryPage).items.map((item) => item.sha256)).toEqual([image.sha256]);
    expect(await filesUnder(rootDir, 'generated')).toHaveLength(3);
    expect(api.group.running).toBe(true);
  }, 60_000);
});
