/**
 * `view`: the /view proxy. The same image fetched straight from the simulator, through a bare node:http
 * pipe, and through GET /api/comfy/view (auth, rate limit, path checks, and as a plain user the
 * ownership lookup), same concurrency, alternating rounds; throughput, latency and ratios. Two API
 * instances: one with the image cache off (cold: every byte pulled from the simulator and streamed
 * through), one with it on (warm: each view revalidated with If-None-Match, the simulator answers 304,
 * the kept bytes are sent). Judged: warm ≥ 0.87× direct (the steady state of a gallery), and cold
 * ≥ 0.9× the bare pipe (what our checks cost on top of the floor any streaming proxy on this machine
 * starts from). The bare pipe runs on this thread, as the API does.
 */
import { encodePng } from '@atelier/comfy-sim';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { Agent, createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import type { ApiWorkerReady } from './api.worker.js';
import { benchEnv, benchPassword, fmt, median, pad, scratchDir, startApi, startSim } from './bench-kit.js';
import type { BenchGroup, Figure } from './figures.js';
import { message, percentile, worker } from './harness.js';
import type { LoadJob, LoadResult } from './load.worker.js';
import { viewerCookie } from './view-viewer.js';

const viewRequests = Number(process.env.BENCH_VIEW_REQUESTS ?? 300);
const viewConcurrency = Number(process.env.BENCH_VIEW_CONCURRENCY ?? 8);
const viewRounds = Number(process.env.BENCH_VIEW_ROUNDS ?? 5);
/** A noisy 768² RGB PNG is about as large as a real 1024² render (~1.8 MB). */
const imageSide = 768;
const targets = { warmVsDirect: 0.87, coldVsBare: 0.9 };

interface Target {
  name: string;
  url: string;
  headers: Record<string, string>;
}

interface ViewStats {
  rps: number;
  mbps: number;
  p50: number;
  p99: number;
  failures: number;
}

async function load(target: Target, total: number): Promise<ViewStats> {
  const job: LoadJob = { url: target.url, headers: target.headers, concurrency: viewConcurrency, total };
  const result = await message<LoadResult>(worker('./load.worker.js', job));
  const sorted = [...result.latenciesMs].sort((a, b) => a - b);
  return {
    rps: (result.latenciesMs.length / result.elapsedMs) * 1000,
    mbps: result.bytes / 1e6 / (result.elapsedMs / 1000),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    failures: result.failures,
  };
}

/** The reference: node:http piping the simulator's answer, no auth, no checks, on the API's thread. */
async function barePipe(upstream: string): Promise<{ server: Server; url: string }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 32 });
  const server = createServer((_req, res) => {
    request(upstream, { agent }, (up) => {
      res.writeHead(up.statusCode ?? 502, { 'content-type': up.headers['content-type'] ?? 'image/png' });
      up.pipe(res);
    }).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/` };
}

interface ApiInstance {
  api: string;
  cookie: string;
}

async function measure(simUrl: string, cold: ApiInstance, warm: ApiInstance, imageBytes: number) {
  const path = '/view?filename=bench.png&subfolder=&type=output';
  const bare = await barePipe(`${simUrl}${path}`);
  const proxied = (instance: ApiInstance) => ({
    url: `${instance.api}/api/comfy${path}`,
    headers: { Cookie: instance.cookie },
  });
  const [directIndex, bareIndex, coldIndex, warmIndex] = [0, 1, 2, 3];
  const targetsInOrder: Target[] = [
    { name: 'direct (simulator /view)', url: `${simUrl}${path}`, headers: {} },
    { name: 'bare node:http pipe (ref.)', url: bare.url, headers: {} },
    { name: 'proxy, cold (cache disabled)', ...proxied(cold) },
    { name: 'proxy, warm (revalidated)', ...proxied(warm) },
  ];
  try {
    for (const target of targetsInOrder) await load(target, 40);
    // Alternating rounds: the machine is shared, so each proxy round is compared with its neighbours.
    const rounds = targetsInOrder.map(() => [] as ViewStats[]);
    for (let round = 0; round < viewRounds; round++) {
      for (const [i, target] of targetsInOrder.entries()) rounds[i]?.push(await load(target, viewRequests));
    }
    const perRound = (i: number, over: number) =>
      rounds[i]?.map((stats, round) => stats.rps / (rounds[over]?.[round]?.rps ?? Number.NaN)) ?? [];
    const ratio = (i: number, over = directIndex) => median(perRound(i, over));
    console.log(
      `View proxy: GET of a ${(imageBytes / 1e6).toFixed(2)} MB PNG, ${viewConcurrency} concurrent, ` +
        `${viewRequests} requests × ${viewRounds} alternating rounds (medians)`,
    );
    console.log(
      `  ${'path'.padEnd(30)}${pad('req/s', 9)}${pad('MB/s', 9)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}` +
        `${pad('errors', 8)}${pad('× direct', 10)}`,
    );
    let failures = 0;
    for (const [i, target] of targetsInOrder.entries()) {
      const list = rounds[i] ?? [];
      const pick = (key: keyof ViewStats) => median(list.map((stats) => stats[key]));
      failures += list.reduce((sum, stats) => sum + stats.failures, 0);
      console.log(
        `  ${target.name.padEnd(30)}${pad(fmt(pick('rps')), 9)}${pad(fmt(pick('mbps')), 9)}` +
          `${pad(fmt(pick('p50'), 2), 9)}${pad(fmt(pick('p99'), 2), 9)}${pad(String(pick('failures')), 8)}` +
          `${pad(i === 0 ? '1.00' : fmt(ratio(i), 2), 10)}`,
      );
    }
    const list = (values: number[]) => values.map((value) => fmt(value, 2)).join(' ');
    console.log(
      `  per round: warm/direct ${list(perRound(warmIndex, directIndex))}; ` +
        `cold/bare ${list(perRound(coldIndex, bareIndex))}` +
        (failures > 0 ? `; ${failures} FAILED requests` : ''),
    );
    console.log('');
    const rps = (i: number) => median((rounds[i] ?? []).map((stats) => stats.rps));
    const failed = failures > 0 ? Number.NaN : 1;
    const figures: Figure[] = [
      {
        group: 'view',
        name: 'proxy, warm (revalidated) × direct',
        unit: '×',
        value: ratio(warmIndex) * failed,
        target: { op: '>=', value: targets.warmVsDirect },
        baseline: { name: 'direct req/s', value: rps(directIndex) },
        details: { rounds: list(perRound(warmIndex, directIndex)) },
      },
      {
        group: 'view',
        name: 'proxy, cold (cache off) × bare pipe',
        unit: '×',
        value: ratio(coldIndex, bareIndex) * failed,
        target: { op: '>=', value: targets.coldVsBare },
        baseline: { name: 'bare pipe × direct', value: ratio(bareIndex) },
        details: { rounds: list(perRound(coldIndex, bareIndex)), coldVsDirect: ratio(coldIndex) },
      },
    ];
    return figures;
  } finally {
    bare.server.close();
  }
}

export const viewGroup: BenchGroup = {
  name: 'view',
  summary: 'the /view proxy, warm and cold, beside direct ComfyUI and a bare node:http pipe',
  async run() {
    const scratch = await scratchDir('view');
    const sim = await startSim(50);
    const image = encodePng({
      width: imageSide,
      height: imageSide,
      channels: 3,
      data: new Uint8Array(randomBytes(imageSide * imageSide * 3)),
    });
    await writeFile(join(sim.dataDir, 'output', 'bench.png'), image);
    const env = (name: string, cacheMb: string) =>
      benchEnv(join(scratch.path, name), sim.url, {
        ATELIER_COMFY_VIEW_RATE: '1000000',
        ATELIER_COMFY_VIEW_BURST: '1000000',
        ATELIER_COMFY_VIEW_CACHE_MB: cacheMb,
      });
    // The warm API (cache on, the default 128 MiB) runs on this thread, the cold one (cache off) on a
    // worker of its own (passport's strategy registry is per process); rounds alternate, so only one
    // is loaded at a time.
    await mkdir(join(scratch.path, 'warm'));
    await mkdir(join(scratch.path, 'cold'));
    const warmApi = await startApi(env('warm', '128'));
    const coldWorker = worker('./api.worker.js', { env: env('cold', '0'), password: benchPassword });
    try {
      const coldReady = await message<ApiWorkerReady>(coldWorker);
      // /view as a plain user who owns the image: the path that pays for the ownership lookup.
      const warm = { api: warmApi.api, cookie: await viewerCookie(warmApi.app, warmApi.api, benchPassword) };
      return await measure(sim.url, coldReady, warm, image.length);
    } finally {
      coldWorker.postMessage('close');
      await new Promise((resolve) => coldWorker.once('exit', resolve));
      await warmApi.app.close();
      await sim.close();
      await scratch.remove();
    }
  },
};
