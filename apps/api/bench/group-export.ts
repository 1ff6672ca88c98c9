/**
 * `export`: GET /api/gallery/export.zip as it ships. Distinct noisy PNGs (about a real render's size)
 * are kept through the API, then their rows are repeated (each repeat reads its file again, as a
 * distinct image would) to reach the selection sizes. Measured on the same files, same order:
 * - throughput: the ZIP's bytes per second, against reading the same files from disk (256 KiB
 *   reads, one at a time, on this thread): target ≥ 0.8×. "From disk": each repeat is its own copy
 *   of the file, and every file is evicted from the page cache before each pass (fsync, then
 *   posix_fadvise DONTNEED, through python3). The same ratio with everything in the page cache is
 *   printed for context: there the copy through the socket, not the disk, sets the pace;
 * - 10,000 images: time to the response headers (target < 1 s) and the process's RSS growth while
 *   they stream (target < 64 MB: flat, nothing buffered whole).
 * The client runs on a worker; the API on this thread.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFile, open } from 'node:fs/promises';
import sharp from 'sharp';
import { DataSource } from 'typeorm';
import { GalleryStorage } from '#api/gallery/gallery-storage.js';
import {
  benchEnv,
  benchPassword,
  fmt,
  pad,
  scratchDir,
  signIn,
  startApi,
  type BenchApi,
} from './bench-kit.js';
import type { DownloadJob, DownloadResult } from './export-download.worker.js';
import type { BenchGroup, Figure } from './figures.js';
import { message, worker } from './harness.js';

const throughputImages = Number(process.env.BENCH_EXPORT_IMAGES ?? 400);
const memoryImages = Number(process.env.BENCH_EXPORT_MEMORY_IMAGES ?? 10_000);
const targets = { throughputVsDisk: 0.8, headersMs: 1000, rssGrowthMb: 64 };

async function noisyPng(side: number): Promise<Buffer> {
  return sharp(randomBytes(side * side * 3), { raw: { width: side, height: side, channels: 3 } })
    .png()
    .toBuffer();
}

/** Keeps `distinct` noisy PNGs through the API; returns their ids. */
async function keep(api: string, bearer: Record<string, string>, distinct: number, side: number) {
  const ids: number[] = [];
  for (let i = 0; i < distinct; i++) {
    const form = new FormData();
    form.append('file', new Blob([await noisyPng(side)], { type: 'image/png' }), `bench-${i}.png`);
    const res = await fetch(`${api}/api/comfy/ingest`, { method: 'POST', headers: bearer, body: form });
    if (res.status !== 201) throw new Error(`bench ingest: ${res.status} ${await res.text()}`);
    ids.push(((await res.json()) as { image: { id: number } }).image.id);
  }
  return ids;
}

/** Repeats the rows of `ids` (distinct hashes, the same files) until the gallery holds `total` of them. */
async function repeatRows(app: BenchApi['app'], ids: readonly number[], total: number): Promise<void> {
  const columns = `"mime", "ext", "bytes", "width", "height", "relative_path", "thumbnail_path", "metadata_json", "created_by", "created_at"`;
  const db = app.get(DataSource);
  const each = Math.ceil((total - ids.length) / ids.length);
  for (const id of ids) {
    await db.query(
      `WITH RECURSIVE "n"("i") AS (SELECT 1 UNION ALL SELECT "i" + 1 FROM "n" WHERE "i" < ?)
       INSERT INTO "gallery_images" ("sha256", ${columns})
       SELECT printf('%058x%06d', "id", "i"), ${columns} FROM "gallery_images", "n" WHERE "id" = ?`,
      [each, id],
    );
  }
  await db.query(
    `DELETE FROM "gallery_images" WHERE "id" IN (SELECT "id" FROM "gallery_images" ORDER BY "id" DESC LIMIT -1 OFFSET ?)`,
    [total],
  );
}

/** Gives each row its own copy of its file, so that no read of one is served by another's cache. */
async function ownFiles(app: BenchApi['app']): Promise<string[]> {
  const storage = app.get(GalleryStorage);
  const db = app.get(DataSource);
  const rows = await db.query<{ id: number; relative_path: string }[]>(
    `SELECT "id", "relative_path" FROM "gallery_images" ORDER BY "id"`,
  );
  const seen = new Set<string>();
  const paths: string[] = [];
  for (const row of rows) {
    let relative = row.relative_path;
    if (seen.has(relative)) {
      relative = relative.replace(/(\.[^./]+)$/, `-copy${row.id}$1`);
      await copyFile(storage.imagePath(row.relative_path), storage.imagePath(relative));
      await db.query(`UPDATE "gallery_images" SET "relative_path" = ? WHERE "id" = ?`, [relative, row.id]);
    }
    seen.add(relative);
    paths.push(storage.imagePath(relative));
  }
  return paths;
}

/** Drops the files from the page cache (written back first: dirty pages would stay). */
function evict(paths: readonly string[]): void {
  const script = [
    'import os, sys',
    'for path in sys.argv[1:]:',
    '    fd = os.open(path, os.O_RDONLY)',
    '    os.fsync(fd)',
    '    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)',
    '    os.close(fd)',
  ].join('\n');
  execFileSync('python3', ['-c', script, ...paths]);
}

/** The export's files in its order (newest first), read from disk one after another. */
async function readFromDisk(app: BenchApi['app']): Promise<{ bytes: number; ms: number }> {
  const storage = app.get(GalleryStorage);
  const rows = await app
    .get(DataSource)
    .query<{ relative_path: string }[]>(`SELECT "relative_path" FROM "gallery_images" ORDER BY "id" DESC`);
  // One buffer for every read: the baseline pays for the disk, not for the garbage collector.
  const buffer = Buffer.allocUnsafeSlow(256 * 1024);
  const started = performance.now();
  let bytes = 0;
  for (const row of rows) {
    const handle = await open(storage.imagePath(row.relative_path), 'r');
    try {
      for (;;) {
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
        if (bytesRead === 0) break;
        bytes += bytesRead;
      }
    } finally {
      await handle.close();
    }
  }
  return { bytes, ms: performance.now() - started };
}

async function download(api: string, bearer: Record<string, string>, sampleRss = false) {
  const job: DownloadJob = { url: `${api}/api/gallery/export.zip`, headers: bearer };
  const rss: number[] = [];
  const timer = sampleRss ? setInterval(() => rss.push(process.memoryUsage().rss), 50) : null;
  try {
    const result = await message<DownloadResult>(worker('./export-download.worker.js', job));
    if (result.status !== 200 || result.bytes !== result.contentLength) {
      throw new Error(`bench export: ${result.status}, ${result.bytes} of ${result.contentLength} bytes`);
    }
    return { result, rss };
  } finally {
    if (timer) clearInterval(timer);
  }
}

async function run(): Promise<Figure[]> {
  const scratch = await scratchDir('export');
  const figures: Figure[] = [];
  try {
    // ComfyUI is not needed: ingest is a plain upload; the URL is never called.
    const env = benchEnv(scratch.path, 'http://127.0.0.1:9');
    const api = await startApi(env);
    try {
      const { bearer } = await signIn(api.api, 'admin', benchPassword);
      console.log(`export: keeping 40 distinct 768² PNGs, repeated to ${throughputImages} images`);
      await repeatRows(api.app, await keep(api.api, bearer, 40, 768), throughputImages);
      const paths = await ownFiles(api.app);
      console.log(`  ${'what'.padEnd(30)}${pad('MB', 10)}${pad('ms', 10)}${pad('MB/s', 10)}`);
      const line = (what: string, bytes: number, ms: number) => {
        const mbps = bytes / 1e6 / (ms / 1000);
        console.log(
          `  ${what.padEnd(30)}${pad(fmt(bytes / 1e6), 10)}${pad(fmt(ms, 0), 10)}${pad(fmt(mbps), 10)}`,
        );
        return mbps;
      };
      for (const cache of ['cold', 'warm'] as const) {
        if (cache === 'cold') evict(paths);
        else await readFromDisk(api.app); // everything in the page cache
        const disk = await readFromDisk(api.app);
        if (cache === 'cold') evict(paths);
        const zip = (await download(api.api, bearer)).result;
        const diskMbps = line(`disk read (${cache})`, disk.bytes, disk.ms);
        const zipMbps = line(`export.zip (${cache})`, zip.bytes, zip.totalMs);
        figures.push({
          group: 'export',
          name:
            cache === 'cold'
              ? `ZIP throughput × disk read (${throughputImages} images)`
              : `ZIP throughput × page-cache read (${throughputImages} images, context)`,
          unit: 'ratio',
          value: zipMbps / diskMbps,
          ...(cache === 'cold' ? { target: { op: '>=' as const, value: targets.throughputVsDisk } } : {}),
          baseline: { name: `${cache} read MB/s`, value: diskMbps },
          details: { zipMbps, diskMbps, zipBytes: zip.bytes },
        });
      }
    } finally {
      await api.app.close();
    }
    const second = await startApi({ ...env, ATELIER_ROOT_DIR: `${scratch.path}/memory` });
    try {
      const { bearer } = await signIn(second.api, 'admin', benchPassword);
      console.log(`export: keeping 50 distinct 128² PNGs, repeated to ${memoryImages} images`);
      await repeatRows(second.app, await keep(second.api, bearer, 50, 128), memoryImages);
      global.gc?.();
      const before = process.memoryUsage().rss;
      const { result, rss } = await download(second.api, bearer, true);
      const growthMb = (Math.max(before, ...rss) - before) / 1e6;
      console.log(
        `  ${memoryImages} images: headers after ${fmt(result.headersMs, 0)} ms, ${fmt(result.bytes / 1e6)} MB in ${fmt(result.totalMs, 0)} ms, RSS +${fmt(growthMb)} MB`,
      );
      figures.push(
        {
          group: 'export',
          name: `time to headers (${memoryImages} images)`,
          unit: 'ms',
          value: result.headersMs,
          target: { op: '<', value: targets.headersMs },
        },
        {
          group: 'export',
          name: `RSS growth while streaming (${memoryImages} images)`,
          unit: 'MB',
          value: growthMb,
          target: { op: '<', value: targets.rssGrowthMb },
          details: { zipMb: result.bytes / 1e6, rssBeforeMb: before / 1e6 },
        },
      );
    } finally {
      await second.app.close();
    }
  } finally {
    await scratch.remove();
  }
  return figures;
}

export const exportGroup: BenchGroup = {
  name: 'export',
  summary: 'GET /api/gallery/export.zip: throughput × disk read, time to headers and RSS for 10,000 images',
  run,
};
