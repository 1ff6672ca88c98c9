/**
 * `view`: the /view proxy. The same image fetched straight from the simulator, through a bare node:http
 * pipe, and through GET /api/comfy/view (auth, rate limit, path checks, and as a plain user the
 * ownership lookup), same concurrency, alternating rounds; throughput, latency and ratios. Two API
 * instances: one with the image cache off (cold: every byte pulled from the simulator and streamed
 * through), one with it on (warm: each view revalidated with If-None-Match, the simulator answers 304,
 * the kept bytes are sent). Judged: warm ≥ 0.87× direct (the steady state of a gallery), and cold
 * ≥ 0.9× the bare pipe (what our checks cost on top of the floor any streaming proxy on this machine
 * starts from). The bare pipe runs on this thread, as the warm API does; the cold API on a worker. Every
 * target gets the same load generator (concurrency, keep-alive pool); every other round runs the targets
 * in reverse order, so neither of a compared pair always goes first. Beside req/s, each serving thread's
 * own CPU time per request (/proc/thread-self) is printed: on a shared machine it moves far less than
 * throughput, so "cold CPU per request × bare pipe" shows what our checks cost even in a noisy run.
 */
import { encodePng } from '@atelier/comfy-sim';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { Agent, createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import type { ApiWorkerReady } from './api.worker.js';
import { benchEnv, benchPassword, fmt, median, pad, scratchDir, startApi, startSim } from './bench-kit.js';
import type { BenchGroup, Figure } from './figures.js';
import type { Worker } from 'node:worker_threads';
import { message, percentile, worker } from './harness.js';
import type { LoadJob, LoadResult } from './load.worker.js';
import { threadCpuMs } from './thread-cpu.js';
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
  /** CPU time so far (ms) of the thread that serves this target; NaN when not measured. */
  serverCpuMs: () => Promise<number>;
}

interface ViewStats {
  rps: number;
  mbps: number;
  p50: number;
  p99: number;
  failures: number;
  failureKinds: Record<string, number>;
  /** The serving thread's CPU time per request (ms): steadier than req/s on a shared machine. */
  cpuMs: number;
}

async function load(target: Target, total: number): Promise<ViewStats> {
  const job: LoadJob = { url: target.url, headers: target.headers, concurrency: viewConcurrency, total };
  const generator = worker('./load.worker.js', job);
  // Taken after the spawn, which costs this thread (the bare pipe's and the warm API's) a little.
  const cpuBefore = await target.serverCpuMs();
  const result = await message<LoadResult>(generator);
  const cpuMs = ((await target.serverCpuMs()) - cpuBefore) / total;
  const sorted = [...result.latenciesMs].sort((a, b) => a - b);
  return {
    rps: (result.latenciesMs.length / result.elapsedMs) * 1000,
    mbps: result.bytes / 1e6 / (result.elapsedMs / 1000),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    failures: result.failures,
    failureKinds: result.failureKinds,
    cpuMs,
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
  serverCpuMs: () => Promise<number>;
}

/** The API worker's thread (api.worker.ts answers `cpu`). */
function workerCpuMs(instance: Worker): Promise<number> {
  return new Promise((resolve) => {
    const onMessage = (value: unknown) => {
      if (typeof value !== 'object' || value === null || !('cpuMs' in value)) return;
      instance.off('message', onMessage);
      resolve(Number(value.cpuMs));
    };
    instance.on('message', onMessage);
    instance.postMessage('cpu');
  });
}

/** The threads not measured (the simulator's). */
const notMeasured = () => Promise.resolve(Number.NaN);
/** This thread: the bare pipe and the warm API. */
const thisThread = () => Promise.resolve(threadCpuMs());

async function measure(simUrl: string, cold: ApiInstance, warm: ApiInstance, imageBytes: number) {
  const path = '/view?filename=bench.png&subfolder=&type=output';
  const bare = await barePipe(`${simUrl}${path}`);
  const proxied = (instance: ApiInstance) => ({
    url: `${instance.api}/api/comfy${path}`,
    headers: { Cookie: instance.cookie },
    serverCpuMs: instance.serverCpuMs,
  });
  const [directIndex, bareIndex, coldIndex, warmIndex] = [0, 1, 2, 3];
  const targetsInOrder: Target[] = [
    { name: 'direct (simulator /view)', url: `${simUrl}${path}`, headers: {}, serverCpuMs: notMeasured },
    { name: 'bare node:http pipe (ref.)', url: bare.url, headers: {}, serverCpuMs: thisThread },
    { name: 'proxy, cold (cache disabled)', ...proxied(cold) },
    { name: 'proxy, warm (revalidated)', ...proxied(warm) },
  ];
  try {
    for (const target of targetsInOrder) await load(target, 40);
    // Alternating rounds: the machine is shared, so each proxy round is compared with its neighbour in
    // the same round; every other round runs in reverse, so neither of a pair always goes first.
    const rounds = targetsInOrder.map(() => [] as ViewStats[]);
    for (let round = 0; round < viewRounds; round++) {
      const order = [...targetsInOrder.keys()];
      if (round % 2 === 1) order.reverse();
      for (const i of order) {
        const [target, stats] = [targetsInOrder[i], rounds[i]];
        if (target && stats) stats[round] = await load(target, viewRequests);
      }
    }
    const perRound = (i: number, over: number, key: 'rps' | 'cpuMs' = 'rps') =>
      rounds[i]?.map((stats, round) => stats[key] / (rounds[over]?.[round]?.[key] ?? Number.NaN)) ?? [];
    const ratio = (i: number, over = directIndex) => median(perRound(i, over));
    console.log(
      `View proxy: GET of a ${(imageBytes / 1e6).toFixed(2)} MB PNG, ${viewConcurrency} concurrent, ` +
        `${viewRequests} requests × ${viewRounds} alternating rounds (medians)`,
    );
    console.log(
      `  ${'path'.padEnd(30)}${pad('req/s', 9)}${pad('MB/s', 9)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}` +
        `${pad('failed', 8)}${pad('× direct', 10)}${pad('CPU ms/req', 12)}`,
    );
    let failures = 0;
    for (const [i, target] of targetsInOrder.entries()) {
      const list = rounds[i] ?? [];
      const pick = (key: 'rps' | 'mbps' | 'p50' | 'p99' | 'cpuMs') => median(list.map((stats) => stats[key]));
      const failed = list.reduce((sum, stats) => sum + stats.failures, 0);
      failures += failed;
      console.log(
        `  ${target.name.padEnd(30)}${pad(fmt(pick('rps')), 9)}${pad(fmt(pick('mbps')), 9)}` +
          `${pad(fmt(pick('p50'), 2), 9)}${pad(fmt(pick('p99'), 2), 9)}${pad(String(failed), 8)}` +
          `${pad(i === 0 ? '1.00' : fmt(ratio(i), 2), 10)}${pad(fmt(pick('cpuMs'), 2), 12)}`,
      );
      if (failed > 0) {
        const kinds: Record<string, number> = {};
        for (const stats of list)
          for (const [kind, count] of Object.entries(stats.failureKinds))
            kinds[kind] = (kinds[kind] ?? 0) + count;
        console.log(
          `    failed: ${Object.entries(kinds)
            .map(([kind, count]) => `${kind} × ${count}`)
            .join(', ')}`,
        );
      }
    }
    const list = (values: number[]) => values.map((value) => fmt(value, 2)).join(' ');
    console.log(
      `  per round: warm/direct ${list(perRound(warmIndex, directIndex))}; ` +
        `cold/bare ${list(perRound(coldIndex, bareIndex))}; ` +
        `cold/bare CPU per request ${list(perRound(coldIndex, bareIndex, 'cpuMs'))}` +
        (failures > 0 ? `; ${failures} FAILED requests` : ''),
    );
    console.log('');
    const rps = (i: number) => median((rounds[i] ?? []).map((stats) => stats.rps));
    const cpuMs = (i: number) => median((rounds[i] ?? []).map((stats) => stats.cpuMs));
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
      {
        // For context: what the API thread spends per cold view, over what the bare pipe's thread spends.
        // Throughput on a shared 2-core machine swings with its neighbours; this moves much less.
        group: 'view',
        name: 'proxy, cold: CPU per request × bare pipe',
        unit: '×',
        value: median(perRound(coldIndex, bareIndex, 'cpuMs')) * failed,
        baseline: { name: 'bare pipe CPU ms/req', value: cpuMs(bareIndex) },
        details: { rounds: list(perRound(coldIndex, bareIndex, 'cpuMs')), coldCpuMs: cpuMs(coldIndex) },
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
      const cold = { ...coldReady, serverCpuMs: () => workerCpuMs(coldWorker) };
      // /view as a plain user who owns the image: the path that pays for the ownership lookup.
      const cookie = await viewerCookie(warmApi.app, warmApi.api, benchPassword);
      const warm = { api: warmApi.api, cookie, serverCpuMs: thisThread };
      return await measure(sim.url, cold, warm, image.length);
    } finally {
      coldWorker.postMessage('close');
      await new Promise((resolve) => coldWorker.once('exit', resolve));
      await warmApi.app.close();
      await sim.close();
      await scratch.remove();
    }
  },
};
