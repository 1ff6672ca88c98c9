import type { GalleryImage, IngestResponse } from '@atelier/contract';
import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiProcess, freePort, ingestOver } from './api-process.js';

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

/** Random pixels barely compress: each PNG is about `side² × 3` bytes, all distinct. */
function noisyPng(side: number): Promise<Buffer> {
  return sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 1 })
    .toBuffer();
}

async function listFiles(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

describe('kill -9 of the API in the middle of concurrent ingests', () => {
  let rootDir: string | undefined;
  let api: ApiProcess | undefined;

  afterEach(async () => {
    await api?.kill();
    api = undefined;
    if (rootDir) await rm(rootDir, { recursive: true, force: true });
    rootDir = undefined;
  });

  it('keeps every acknowledged image whole (file, sidecar, thumbnail, row), no temp files, a sound database', async () => {
    rootDir = await mkdtemp(join(tmpdir(), 'atelier-fault-'));
    // Ingest does not talk to ComfyUI, but its routes are on only with the integration: point it nowhere.
    const env = {
      COMFY_ENABLED: 'true',
      COMFY_API_URL: `http://127.0.0.1:${await freePort()}`,
      ATELIER_MAX_UPLOADS_PER_USER: '16',
    };
    api = await ApiProcess.start({ rootDir, env });
    const bearer = await api.adminBearer();

    const images = await Promise.all(Array.from({ length: 48 }, (_, i) => noisyPng(160 + (i % 4) * 40)));
    const acknowledged = new Map<string, GalleryImage>();
    let inFlight = 0;
    let killed = false;
    let next = 0;
    const killedOnce = (async () => {
      // Kill while several ingests are between "bytes received" and "answered".
      while (!(acknowledged.size >= 6 && inFlight >= 4)) {
        if (next >= images.length && inFlight === 0) throw new Error('every ingest finished before the kill');
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      killed = true;
      await api.kill('SIGKILL');
    })();
    const worker = async () => {
      while (!killed && next < images.length) {
        const image = images[next++]!;
        inFlight += 1;
        try {
          const { status, body } = await ingestOver(api!.url, bearer, image);
          if (status === 201 || status === 200) {
            const answer = body as IngestResponse;
            expect(answer.image.sha256).toBe(sha256(image));
            acknowledged.set(answer.image.sha256, answer.image);
          } else if (!killed) {
            throw new Error(`ingest answered ${status}: ${JSON.stringify(body)}`);
          }
        } catch (error) {
          if (!killed) throw error;
        } finally {
          inFlight -= 1;
        }
      }
    };
    await Promise.all([killedOnce, ...Array.from({ length: 8 }, worker)]);
    expect(acknowledged.size).toBeGreaterThanOrEqual(6);
    expect(acknowledged.size).toBeLessThan(images.length);

    // The database as the kill left it (WAL recovered on open) is sound.
    const dbPath = join(rootDir, 'data/atelier.sqlite');
    const db = new Database(dbPath);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }

    api = await ApiProcess.start({ rootDir, env });
    const admin = await api.adminBearer();
    const imageDir = join(rootDir, 'generated/comfy');
    const thumbnailDir = join(rootDir, 'generated/thumbnails');
    const files = await listFiles(join(rootDir, 'generated'));
    const byName = new Map(files.map((file) => [relative(rootDir!, file), file]));

    for (const [hash, image] of acknowledged) {
      const row = await fetch(`${api.url}/api/gallery/images/${image.id}`, { headers: admin });
      expect(row.status).toBe(200);
      expect(((await row.json()) as GalleryImage).sha256).toBe(hash);

      const imageFile = files.find((file) => file.startsWith(imageDir) && file.endsWith(`/${hash}.png`));
      expect(imageFile, `the file of acknowledged image ${hash}`).toBeDefined();
      expect(sha256(await readFile(imageFile!))).toBe(hash);
      const sidecar = JSON.parse(await readFile(imageFile!.replace(/\.png$/, '.json'), 'utf8')) as {
        sha256: string;
      };
      expect(sidecar.sha256).toBe(hash);
      expect(byName.has(relative(rootDir, join(thumbnailDir, `${hash}.webp`)))).toBe(true);

      const served = await fetch(`${api.url}/api/gallery/images/${image.id}/file`, { headers: admin });
      expect(served.status).toBe(200);
      expect(sha256(new Uint8Array(await served.arrayBuffer()))).toBe(hash);
    }

    // No temp or partial file anywhere: every image file is whole (its name is its hash), every
    // sidecar parses, nothing else lies around.
    for (const file of files) {
      const name = file.slice(file.lastIndexOf('/') + 1);
      expect(name, `${relative(rootDir, file)} is not a temp file`).not.toMatch(/\.tmp$|^\./);
      const match = /^([0-9a-f]{64})\.(png|json|webp)$/.exec(name);
      expect(match, `${relative(rootDir, file)} is a file the gallery writes`).not.toBeNull();
      if (match?.[2] === 'png') expect(sha256(await readFile(file))).toBe(match[1]);
      if (match?.[2] === 'json') {
        expect((JSON.parse(await readFile(file, 'utf8')) as { sha256: string }).sha256).toBe(match[1]);
      }
    }

    // The restarted server keeps ingesting.
    const fresh = await noisyPng(64);
    expect((await ingestOver(api.url, admin, fresh)).status).toBe(201);
  }, 60_000);
});
