/**
 * The `requests` group: CPU per signed-in request on the hot read paths (auth/me, a thumbnail, a gallery
 * page, a job list), as a plain user, with a Bearer token and with the cookie, and GET /api/health as the
 * floor every request pays (routing, helmet, request id), itself beside a bare node:http server answering
 * the same body on the same thread (what any HTTP server costs here: parsing, the socket write). The API runs on this process's main thread;
 * the simulator and the load generator run in a child process, because process.cpuUsage() counts every
 * thread of a process. Many keep-alive requests at modest concurrency, routes alternating round by round
 * (the machine is shared); the figure is the median round, the range is in the details.
 * Logging is on at the default level, written to /dev/null, so each request pays for its log line.
 */
import type { GalleryPage } from '@atelier/contract';
import { defaultTxt2ImgGraph } from '@atelier/workflow';
import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { Session } from 'node:inspector';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { JobsRepository } from '#api/comfy/jobs.repository.js';
import { loadConfig } from '#api/config/load-config.js';
import { createApp } from '#api/create-app.js';
import { UsersService } from '#api/users/users.service.js';
import type { BenchGroup, Figure } from './figures.js';
import { percentile } from './harness.js';
import { seedGallery } from './load-users.js';
import type { RequestsClientMessage, RequestsLoad } from './requests.client.js';

const requestsPerRound = Number(process.env.BENCH_REQUESTS_COUNT ?? 1500);
const rounds = Number(process.env.BENCH_REQUESTS_ROUNDS ?? 5);
const concurrency = Number(process.env.BENCH_REQUESTS_CONCURRENCY ?? 8);
const targetMs = 0.5;
const galleryImages = 30;
const ledgerJobs = 40;

const fmt = (value: number, digits = 3) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const median = (values: readonly number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

interface Route {
  /** The figure's name, before " CPU per request". */
  name: string;
  path: string;
  /** Another server than the API's (the reference). */
  base?: string;
  headers: Record<string, string>;
  judged: boolean;
}

interface Round {
  cpuMs: number;
  p50: number;
  p99: number;
  rps: number;
}

function client(): { child: ChildProcess; next: () => Promise<RequestsClientMessage> } {
  const child = fork(new URL('./requests.client.js', import.meta.url), { stdio: 'inherit' });
  let waiting: { resolve: (m: RequestsClientMessage) => void; reject: (e: Error) => void } | null = null;
  child.on('message', (message) => waiting?.resolve(message as RequestsClientMessage));
  child.on('exit', (code) => waiting?.reject(new Error(`the bench client exited (${code})`)));
  const next = () =>
    new Promise<RequestsClientMessage>((resolve, reject) => {
      waiting = { resolve, reject };
    });
  return { child, next };
}

async function signIn(api: string, username: string, password: string) {
  const response = await fetch(`${api}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new Error(`sign-in of ${username}: ${response.status}`);
  const cookie = response.headers.getSetCookie().find((c) => /^(__Host-)?atelier_access=/.test(c)) ?? '';
  const { access_token: token } = (await response.json()) as { access_token: string };
  return { bearer: { Authorization: `Bearer ${token}` }, cookie: { Cookie: cookie.split(';')[0] ?? '' } };
}

async function seedLedger(jobs: JobsRepository, ownerId: number): Promise<void> {
  for (let i = 0; i < ledgerJobs; i++) {
    const promptId = randomUUID();
    const workflow = defaultTxt2ImgGraph(`bench/${i}`);
    await jobs.insert({
      promptId,
      ownerId,
      kind: 'txt2img',
      comfyClientId: 'bench',
      callerClientId: null,
      idempotencyKey: null,
      requestHash: null,
      workflow,
      params: { prompt: `a lighthouse at dusk, study ${i}`, width: 1024, height: 1024, steps: 20, seed: i },
      templateId: 'preset/txt2img',
      templateVersion: 'bench',
    });
    await jobs.update(promptId, {
      status: 'succeeded',
      submittedAt: new Date(),
      startedAt: new Date(),
      finishedAt: new Date(),
      images: [{ filename: `bench/${i}_00001_.png`, subfolder: '', type: 'output' }],
    });
  }
}

/**
 * BENCH_REQUESTS_PROFILE=FILE writes a CPU profile of the measured rounds only (not boot or seeding),
 * for Chrome DevTools or any .cpuprofile viewer.
 */
async function startProfile(): Promise<{ stop: () => Promise<void> } | null> {
  const file = process.env.BENCH_REQUESTS_PROFILE;
  if (!file) return null;
  const session = new Session();
  session.connect();
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, (error, result) => (error ? reject(error) : resolve(result))),
    );
  await post('Profiler.enable');
  await post('Profiler.start');
  return {
    stop: async () => {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      await writeFile(file, JSON.stringify(profile));
      session.disconnect();
      console.log(`CPU profile of the measured rounds: ${file}`);
    },
  };
}

/** The floor of any HTTP server on this machine: node:http answering health's body, on the API's thread. */
async function bareServer(): Promise<{ server: Server; url: string }> {
  const body = JSON.stringify({ status: 'ok', version: '0.0.0', demo: false });
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/` };
}

async function run(): Promise<Figure[]> {
  const rootDir = await mkdtemp(join(tmpdir(), 'atelier-bench-requests-'));
  const { child, next } = client();
  const sim = await next();
  if (sim.type !== 'sim') throw new Error('the bench client did not start the simulator');
  const password = 'bench-admin-password';
  const config = loadConfig({
    ATELIER_ROOT_DIR: rootDir,
    ATELIER_ADMIN_USERNAME: 'admin',
    ATELIER_ADMIN_PASSWORD: password,
    COMFY_ENABLED: 'true',
    COMFY_API_URL: sim.url,
  });
  const app = await createApp(config, {
    logDestination: pino.destination({ dest: '/dev/null', sync: true }),
  });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  const api = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const bare = await bareServer();
  try {
    const admin = await signIn(api, 'admin', password);
    const viewer = await app
      .get(UsersService)
      .create({ username: 'bench-user', password: 'bench-user-password', role: 'user' });
    const user = await signIn(api, 'bench-user', 'bench-user-password');
    await seedGallery(api, admin.bearer, galleryImages);
    await seedLedger(app.get(JobsRepository), viewer.id);
    const page = (await (
      await fetch(`${api}/api/gallery/images?limit=24`, { headers: user.bearer })
    ).json()) as GalleryPage;
    const imageId = page.items[0]?.id;
    if (imageId === undefined) throw new Error('the gallery is empty');

    const thumbnail = `/api/gallery/images/${imageId}/thumbnail`;
    const routes: Route[] = [
      { name: 'bare node:http (ref.)', path: '', base: bare.url, headers: {}, judged: false },
      { name: 'health', path: '/api/health', headers: {}, judged: false },
      { name: 'auth/me', path: '/api/auth/me', headers: user.bearer, judged: true },
      { name: 'auth/me (cookie)', path: '/api/auth/me', headers: user.cookie, judged: true },
      { name: 'thumbnail', path: thumbnail, headers: user.bearer, judged: true },
      { name: 'thumbnail (cookie)', path: thumbnail, headers: user.cookie, judged: true },
      { name: 'gallery page', path: '/api/gallery/images?limit=24', headers: user.cookie, judged: false },
      { name: 'job list', path: '/api/comfy/jobs?limit=20', headers: user.cookie, judged: false },
    ];
    const measure = async (route: Route, total: number): Promise<Round> => {
      const job: RequestsLoad = {
        type: 'load',
        url: `${route.base ?? api}${route.path}`,
        headers: route.headers,
        concurrency,
        total,
      };
      const before = process.cpuUsage();
      child.send(job);
      const result = await next();
      const cpu = process.cpuUsage(before);
      if (result.type !== 'result') throw new Error('the bench client answered out of turn');
      if (result.failures > 0) {
        throw new Error(
          `${route.name}: ${result.failures} requests failed (${JSON.stringify(result.failureKinds)})`,
        );
      }
      const sorted = [...result.latenciesMs].sort((a, b) => a - b);
      return {
        cpuMs: (cpu.user + cpu.system) / 1000 / total,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        rps: (total / result.elapsedMs) * 1000,
      };
    };

    // BENCH_REQUESTS_ONLY=health,auth/me measures only those (e.g. under --cpu-prof).
    const only = process.env.BENCH_REQUESTS_ONLY?.split(',');
    if (only) routes.splice(0, routes.length, ...routes.filter((route) => only.includes(route.name)));
    for (const route of routes) await measure(route, 300);
    const measured = routes.map(() => [] as Round[]);
    const profiler = await startProfile();
    for (let round = 0; round < rounds; round++) {
      for (const [i, route] of routes.entries()) measured[i]?.push(await measure(route, requestsPerRound));
    }
    await profiler?.stop();

    console.log(
      `Requests: CPU per request of the API process, a plain user, ${concurrency} concurrent keep-alive ` +
        `connections, ${requestsPerRound} requests × ${rounds} alternating rounds (medians; Node ${process.version}, ` +
        `${cpus().length} CPUs)`,
    );
    console.log(
      `  ${'route'.padEnd(22)}${'CPU ms/req'.padStart(12)}${'range'.padStart(16)}${'p50 ms'.padStart(9)}` +
        `${'p99 ms'.padStart(9)}${'req/s'.padStart(9)}`,
    );
    const summary = routes.map((route, i) => {
      const list = measured[i] ?? [];
      const cpu = list.map((r) => r.cpuMs);
      return {
        route,
        cpuMs: median(cpu),
        min: Math.min(...cpu),
        max: Math.max(...cpu),
        p50: median(list.map((r) => r.p50)),
        p99: median(list.map((r) => r.p99)),
        rps: median(list.map((r) => r.rps)),
      };
    });
    for (const row of summary) {
      console.log(
        `  ${row.route.name.padEnd(22)}${fmt(row.cpuMs).padStart(12)}${`${fmt(row.min)}–${fmt(row.max)}`.padStart(16)}` +
          `${fmt(row.p50, 2).padStart(9)}${fmt(row.p99, 2).padStart(9)}${fmt(row.rps, 0).padStart(9)}` +
          `${row.route.judged ? `   ${row.cpuMs <= targetMs ? 'PASS' : 'MISS'} (≤ ${targetMs})` : ''}`,
      );
    }
    console.log('');
    const floor = summary.find((row) => row.route.name === 'health') ?? summary[0]!;
    return summary.map((row) => ({
      group: 'requests',
      name: `${row.route.name} CPU per request`,
      unit: 'ms',
      value: row.cpuMs,
      ...(row.route.judged ? { target: { op: '<=' as const, value: targetMs } } : {}),
      ...(row.route.name === 'health'
        ? {}
        : { baseline: { name: 'health CPU per request', value: floor.cpuMs } }),
      details: {
        min: row.min,
        max: row.max,
        p50_ms: row.p50,
        p99_ms: row.p99,
        req_per_s: row.rps,
        requests: requestsPerRound,
        rounds,
        concurrency,
      },
    }));
  } finally {
    bare.server.close();
    await app.close();
    child.send({ type: 'close' });
    await new Promise((resolve) => child.once('exit', resolve));
    await rm(rootDir, { recursive: true, force: true });
  }
}

export const requestsGroup: BenchGroup = {
  name: 'requests',
  summary: 'CPU per request of auth/me, a thumbnail, a gallery page and a job list (health as the floor)',
  run,
};
