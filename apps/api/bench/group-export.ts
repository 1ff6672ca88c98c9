/**
 * `export`: GET /api/gallery/export.zip as it ships. Distinct noisy PNGs (about a real render's size)
 * are kept through the API, then their rows are repeated (each repeat reads its file again, as a
 * distinct image would) to reach the selection sizes. Measured on the same files, same order:
 * - throughput: the ZIP's bytes per second, against reading the same files from disk (page cache,
 *   256 KiB reads, one at a time, on this thread): target ≥ 0.8×;
 * - 10,000 images: time to the response headers (target < 1 s) and the process's RSS growth while
 *   they stream (target < 64 MB: flat, nothing buffered whole).
 * The client runs on a worker; the API on this thread.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
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

/** The export's files in its order (newest first), read from disk one after another. */
async function readFromDisk(app: BenchApi['app']): Promise<{ bytes: number; ms: number }> {
  const storage = app.get(GalleryStorage);
  const rows = await app
    .get(DataSource)
    .query<{ relative_path: string }[]>(`SELECT "relative_path" FROM "gallery_images" ORDER BY "id" DESC`);
  const started = performance.now();
  let bytes = 0;
  for (const row of rows) {
    for await (const chunk of createReadStream(storage.imagePath(row.relative_path), {
      highWaterMark: 256 * 1024,
    })) {
      bytes += (chunk as Buffer).length;
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
      await readFromDisk(api.app); // warms the page cache for both
      const disk = await readFromDisk(api.app);
      const zip = (await download(api.api, bearer)).result;
      const diskMbps = disk.bytes / 1e6 / (disk.ms / 1000);
      const zipMbps = zip.bytes / 1e6 / (zip.totalMs / 1000);
      console.log(`  ${'what'.padEnd(30)}${pad('MB', 10)}${pad('ms', 10)}${pad('MB/s', 10)}`);
      console.log(
        `  ${'disk read'.padEnd(30)}${pad(fmt(disk.bytes / 1e6), 10)}${pad(fmt(disk.ms, 0), 10)}${pad(fmt(diskMbps), 10)}`,
      );
      console.log(
        `  ${'export.zip'.padEnd(30)}${pad(fmt(zip.bytes / 1e6), 10)}${pad(fmt(zip.totalMs, 0), 10)}${pad(fmt(zipMbps), 10)}`,
      );
      figures.push({
        group: 'export',
        name: `ZIP throughput × disk read (${throughputImages} images)`,
        unit: 'ratio',
        value: zipMbps / diskMbps,
        target: { op: '>=', value: targets.throughputVsDisk },
        baseline: { name: 'disk MB/s', value: diskMbps },
        details: { zipMbps, diskMbps, zipBytes: zip.bytes },
      });
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
