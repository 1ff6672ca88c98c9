/**
 * `gallery`: find any image among a million (issue 11). Seeds 1,000,000 synthetic images into a
 * database the app's own migrations made fresh for this run (gallery-database.ts, gallery-seed.ts),
 * then times the searches of gallery-queries.ts over real HTTP against the API started on it: p50
 * and p95 of ≥ 200 sequential requests each, as a plain user (and one as the admin, whose searches
 * skip the visibility condition), beside GET /api/health from the same client as the floor any
 * request pays. BENCH_GALLERY_IMAGES and BENCH_GALLERY_RUNS scale it down for a quick look.
 */
import { cpus, loadavg } from 'node:os';
import { sqlitePath } from '#api/config/database-config.js';
import { loadConfig } from '#api/config/load-config.js';
import { benchPassword, fmt, pad, scratchDir, signIn, startApi } from './bench-kit.js';
import type { BenchGroup, Figure } from './figures.js';
import { seededGallery } from './gallery-database.js';
import { smartBoardPath, timeBulkTag } from './gallery-curation.js';
import { deepPagePath, describe, galleryQueries, timeQueries, type QueryKind } from './gallery-queries.js';

const images = Number(process.env.BENCH_GALLERY_IMAGES ?? 1_000_000);
const runs = Number(process.env.BENCH_GALLERY_RUNS ?? 200);
const rounds = 4;
const deepPages = 20;
const seedTarget = 50_000;
const bulkImages = 100_000;
const targetMs: Record<Exclude<QueryKind, 'floor'>, number> = { page: 5, search: 30, facets: 100 };
/** The plain user the searches run as: the most active owner (most private images to filter). */
const plainUser = 'user001';

async function run(): Promise<Figure[]> {
  const scratch = await scratchDir('gallery');
  const env = {
    ATELIER_ROOT_DIR: scratch.path,
    LOG_LEVEL: 'silent',
    ATELIER_ADMIN_USERNAME: 'admin',
    ATELIER_ADMIN_PASSWORD: benchPassword,
    COMFY_ENABLED: 'false',
  };
  try {
    const seedLoad = loadavg()[0] ?? 0;
    const { seed, fileBytes } = await seededGallery(env, images);
    const rowsPerS = (seed.images / seed.ms) * 1000;
    const phases = Object.entries(seed.phases)
      .map(([name, ms]) => `${name} ${fmt(ms / 1000)} s`)
      .join(', ');
    console.log(`Gallery: ${seed.images} images seeded into a fresh database (Node ${process.version})`);
    const cpu = `CPU ${fmt(seed.cpuMs.main / 1000)} s here + ${fmt((seed.cpuMs.fts ?? Number.NaN) / 1000)} s on the FTS thread`;
    console.log(
      `  ${fmt(seed.ms / 1000)} s, ${fmt(rowsPerS, 0)} rows/s (${phases}; ${cpu}); ` +
        `${seed.loraLinks} LoRA links, ${seed.tagLinks} tag links; ` +
        `${fmt(fileBytes / 1e6, 0)} MB, ${fmt(fileBytes / seed.images, 0)} bytes/image; ` +
        `load average ${fmt(seedLoad, 1)} → ${fmt(loadavg()[0] ?? 0, 1)}`,
    );

    const { app, api } = await startApi(env);
    try {
      const user = (await signIn(api, plainUser, benchPassword)).bearer;
      const admin = (await signIn(api, 'admin', benchPassword)).bearer;
      const queries = [
        ...galleryQueries(await deepPagePath(api, user, deepPages)),
        { name: 'smart board, first page', kind: 'search' as const, path: await smartBoardPath(api, user) },
      ];
      const loadBefore = loadavg()[0] ?? 0;
      const timings = await timeQueries(api, queries, { user, admin }, { runs, rounds, warmup: 20 });
      const load = `${fmt(loadBefore, 1)} → ${fmt(loadavg()[0] ?? 0, 1)}`;
      console.log(
        `  searches as ${plainUser} (a plain user) unless marked; sequential requests, ${rounds} alternating ` +
          `rounds; load average ${load} on ${cpus().length} CPUs (the machine is shared)`,
      );
      console.log(
        `  ${'query'.padEnd(36)}${pad('p50 ms', 9)}${pad('p95 ms', 9)}${pad('max ms', 9)}${pad('runs', 6)}  matches`,
      );
      for (const timing of timings) {
        const { query } = timing;
        const headers = query.as === 'admin' ? admin : user;
        console.log(
          `  ${query.name.padEnd(36)}${pad(fmt(timing.p50, 2), 9)}${pad(fmt(timing.p95, 2), 9)}` +
            `${pad(fmt(timing.max, 1), 9)}${pad(String(timing.runs), 6)}  ${await describe(api, query, headers)}`,
        );
        if (timing.failures > 0) console.log(`    ${timing.failures} requests failed`);
      }
      const bulk = await timeBulkTag(
        api,
        admin,
        sqlitePath(loadConfig(env).database),
        Math.min(bulkImages, images),
      );
      console.log(
        `  bulk tag by query (a date range), as admin: ${bulk.affected} of ${bulk.images} images in ` +
          `${fmt(bulk.ms / 1000, 2)} s`,
      );
      console.log('');
      const floor = timings.find((timing) => timing.query.kind === 'floor');
      const baseline = floor ? { name: 'health p95', value: floor.p95 } : undefined;
      return [
        {
          group: 'gallery',
          name: 'seeding (fresh DB)',
          unit: 'rows/s',
          value: rowsPerS,
          target: { op: '>=', value: seedTarget },
          details: {
            images: seed.images,
            seconds: seed.ms / 1000,
            ...seed.phases,
            cpu_ms_main: seed.cpuMs.main,
            cpu_ms_fts: seed.cpuMs.fts ?? Number.NaN,
            load_avg_before: seedLoad,
          },
        },
        {
          group: 'gallery',
          name: 'database size per image',
          unit: 'bytes',
          value: fileBytes / seed.images,
          details: { file_bytes: fileBytes },
        },
        {
          group: 'gallery',
          name: `bulk tag of ${bulk.images} images by query`,
          unit: 's',
          value: bulk.affected === bulk.images ? bulk.ms / 1000 : Number.NaN,
          target: { op: '<', value: 2 },
          details: { affected: bulk.affected },
        },
        ...timings.map((timing): Figure => ({
          group: 'gallery',
          name: `${timing.query.name} p95`,
          unit: 'ms',
          value: timing.failures > 0 ? Number.NaN : timing.p95,
          ...(timing.query.kind === 'floor'
            ? {}
            : { target: { op: '<', value: targetMs[timing.query.kind] }, ...(baseline ? { baseline } : {}) }),
          details: { p50_ms: timing.p50, max_ms: timing.max, runs: timing.runs, failures: timing.failures },
        })),
      ];
    } finally {
      await app.close();
    }
  } finally {
    await scratch.remove();
  }
}

export const galleryGroup: BenchGroup = {
  name: 'gallery',
  summary: 'seed 1,000,000 images (rows/s, bytes/image), then p50/p95 of pages, searches and facets',
  run,
};
