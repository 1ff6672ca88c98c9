/**
 * `pnpm load [--json FILE]`: LOAD_USERS simulated users (200) for LOAD_SECONDS (60) against the API with
 * the ComfyUI simulator behind it, all on loopback, shaped as a studio would hit it (see load-users.ts):
 * the users arrive over the first LOAD_ARRIVAL_S (10), sign in once, then browse, list and queue jobs
 * with pauses like a person's. The API runs in this process, alone: the simulator and the users run in
 * a child process (load-clients.ts, the users on LOAD_THREADS worker threads, 1 by default), so this
 * process's CPU time is the server's. The users are created through UsersService, the gallery is
 * seeded through ingest first.
 *
 * Prints per-route p50/p99, the same per 10 s window, 429/503s, errors, jobs done vs queued, and the
 * API's CPU time and event-loop delay, beside the target: 0 errors and p99 < 1 s over the whole run.
 * Exits 1 unless the target is met and every queued job was done. `--json FILE` (or LOAD_JSON=FILE)
 * also writes the figures.
 */
import type { NestExpressApplication } from '@nestjs/platform-express';
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '#api/config/load-config.js';
import { createApp } from '#api/create-app.js';
import { UsersService } from '#api/users/users.service.js';
import type { ClientsCommand, ClientsReport } from './load-clients.js';
import { formatReport, summarize, targetP99Ms, windowMs, type ServerFigures } from './load-report.js';
import { seedGallery, type LoadStats, type LoadUser } from './load-users.js';

const bounded = (raw: string | undefined, fallback: number, max: number) => {
  const value = Math.floor(Number(raw ?? fallback));
  return Number.isFinite(value) && value >= 1 ? Math.min(value, max) : fallback;
};
const userCount = bounded(process.env.LOAD_USERS, 200, 2000);
const seconds = bounded(process.env.LOAD_SECONDS, 60, 600);
const arrivalSeconds = Math.min(seconds, bounded(process.env.LOAD_ARRIVAL_S, 10, 600));
const threads = bounded(process.env.LOAD_THREADS, 1, 8);
const jsonFlag = process.argv.indexOf('--json');
const jsonFile = (jsonFlag >= 0 ? process.argv[jsonFlag + 1] : undefined) ?? process.env.LOAD_JSON;
const galleryImages = 60;
/** Sampler steps of 10 ms: each small job (2 steps) takes the simulator a few tens of ms. */
const stepMs = 10;

/**
 * The server's limits that one loopback address with hundreds of users would trip, raised for this run
 * only: logins in flight count against the per-IP failure budget until they succeed. The per-user caps
 * (streams, uploads) and the sign-in queue stay at their defaults: each simulated user holds one stream
 * at a time, and how the server copes with 200 sign-ins at once is part of what is measured.
 */
const raisedLimits = { ATELIER_LOGIN_MAX_FAILURES: '1000' } as const;

/**
 * ATELIER_* settings of this environment reach the API's config, to compare them (e.g.
 * ATELIER_HTTP_KEEP_ALIVE_S=5); not paths, the root dir or the admin account: the run keeps to its temp dir.
 */
const fromEnvironment = Object.fromEntries(
  Object.entries(process.env).filter(
    (entry): entry is [string, string] =>
      /^ATELIER_/.test(entry[0]) &&
      !/_(DIR|PATH)$|^ATELIER_(ROOT|ADMIN)_/.test(entry[0]) &&
      entry[1] !== undefined,
  ),
);

async function createUsers(app: NestExpressApplication, count: number): Promise<LoadUser[]> {
  const users = app.get(UsersService);
  const list = Array.from({ length: count }, (_, i) => ({
    username: `load-user-${i + 1}`,
    password: `load-password-${i + 1}-long-enough`,
  }));
  // Argon2 hashing runs on libuv's pool: a few at a time keeps the boot quick without a pile-up.
  for (let i = 0; i < list.length; i += 16) {
    await Promise.all(list.slice(i, i + 16).map((user) => users.create({ ...user, role: 'user' })));
  }
  return list;
}

function nextReport<T extends ClientsReport>(
  child: ChildProcess,
  accept: (report: ClientsReport) => boolean,
) {
  return new Promise<T>((resolve, reject) => {
    const onMessage = (report: ClientsReport) => {
      if (!accept(report)) return;
      child.off('message', onMessage);
      resolve(report as T);
    };
    child.on('message', onMessage);
    child.once('exit', (code) => reject(new Error(`the load clients' process exited (${code})`)));
  });
}

/** The API process's CPU time and event-loop delay, over the run and per 10 s window from its start. */
function watchServer(startEpochMs: number) {
  const whole = monitorEventLoopDelay({ resolution: 10 });
  const window = monitorEventLoopDelay({ resolution: 10 });
  const windows: ServerFigures['windows'] = [];
  let started: NodeJS.CpuUsage | null = null;
  let windowCpu = process.cpuUsage();
  let timer: NodeJS.Timeout | undefined;
  const closeWindow = () => {
    const cpu = process.cpuUsage(windowCpu);
    windowCpu = process.cpuUsage();
    windows.push({ cpuS: (cpu.user + cpu.system) / 1e6, loopP99Ms: window.percentile(99) / 1e6 });
    window.reset();
  };
  const tick = () => {
    closeWindow();
    timer = setTimeout(tick, startEpochMs + (windows.length + 1) * windowMs - Date.now());
  };
  timer = setTimeout(
    () => {
      started = process.cpuUsage();
      windowCpu = process.cpuUsage();
      whole.enable();
      window.enable();
      timer = setTimeout(tick, windowMs);
    },
    Math.max(0, startEpochMs - Date.now()),
  );
  return (): ServerFigures => {
    clearTimeout(timer);
    closeWindow();
    whole.disable();
    window.disable();
    const cpu = process.cpuUsage(started ?? undefined);
    const ms = (ns: number) => ns / 1e6;
    return {
      cpu: { userS: cpu.user / 1e6, systemS: cpu.system / 1e6 },
      loop: { p50Ms: ms(whole.percentile(50)), p99Ms: ms(whole.percentile(99)), maxMs: ms(whole.max) },
      windows,
    };
  };
}

async function main(): Promise<void> {
  const rootDir = await mkdtemp(join(tmpdir(), 'atelier-load-'));
  const clients = fork(fileURLToPath(new URL('./load-clients.js', import.meta.url)), [String(stepMs)], {
    serialization: 'advanced',
  });
  const send = (command: ClientsCommand) => clients.send(command);
  let app: NestExpressApplication | undefined;
  try {
    const { sim } = await nextReport<{ sim: string }>(clients, (report) => 'sim' in report);
    const password = 'load-admin-password';
    app = await createApp(
      loadConfig({
        ...fromEnvironment,
        ATELIER_ROOT_DIR: rootDir,
        LOG_LEVEL: 'silent',
        ATELIER_ADMIN_USERNAME: 'admin',
        ATELIER_ADMIN_PASSWORD: password,
        COMFY_ENABLED: 'true',
        COMFY_API_URL: sim,
        ...raisedLimits,
      }),
    );
    await app.listen(0, '127.0.0.1');
    const address = app.getHttpServer().address();
    const api = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const users = await createUsers(app, userCount);
    const login = await fetch(`${api}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password }),
    });
    const { access_token: token } = (await login.json()) as { access_token: string };
    await seedGallery(api, { Authorization: `Bearer ${token}` }, galleryImages);

    console.log(`Load run — Node ${process.version}, ${cpus().length} CPUs, API and simulator on 127.0.0.1`);
    console.log(
      `  ${userCount} users arriving over ${arrivalSeconds} s, then until ${seconds} s; the users on ${threads} ` +
        `client thread(s) and the simulator in a process apart from the API's`,
    );
    console.log(
      '  each user: signs in once, then visits — lists its jobs, queues a txt2img job (64×64, 2 steps) when none ' +
        'of its own runs and follows it by SSE, opens the next gallery page and loads a screen of 6 thumbnails ' +
        '(each once: they are immutable) — pausing 0.3–1.2 s between steps and 2–6 s between visits; 6 ' +
        'keep-alive connections of its own, like a browser; signs out at the end',
    );
    console.log(
      `  gallery of ${galleryImages} images; simulator step ${stepMs} ms; raised for this run: ` +
        `${Object.entries(raisedLimits)
          .map(([name, value]) => `${name}=${value}`)
          .join(', ')} (streams, uploads and the sign-in queue at their defaults)`,
    );
    const settings = Object.entries(fromEnvironment).map(([name, value]) => `${name}=${value}`);
    if (settings.length > 0) console.log(`  from the environment: ${settings.join(', ')}`);
    console.log(
      '  errors: any answer but 2xx (429 and 503 auth.busy counted apart), network failures, streams not ' +
        'ending in a succeeded done; the stream route is timed to its headers, the job from txt2img to done',
    );
    console.log('');

    const startEpochMs = Date.now() + 500;
    const stopWatching = watchServer(startEpochMs);
    send({ run: { api, users, seconds, arrivalSeconds, startEpochMs }, threads });
    const { stats, cpuS: clientsCpuS } = await nextReport<{ stats: LoadStats; cpuS: number }>(
      clients,
      (report) => 'stats' in report,
    );
    const server = stopWatching();
    for (const line of formatReport(stats, server)) console.log(line);
    console.log(`  load clients and simulator (the other process): ${clientsCpuS.toFixed(2)} s of CPU`);

    const summary = summarize(stats, server);
    const jobsAllDone = stats.jobsDone === stats.jobsQueued && stats.jobsQueued > 0;
    const pass = summary.target.met && jobsAllDone;
    console.log('');
    console.log(
      `  target: 0 errors and p99 < ${targetP99Ms} ms over all requests of the run, arrival included; ` +
        `every queued job done`,
    );
    console.log(
      `  measured: ${summary.target.errors} errors, p99 ${summary.target.p99Ms.toFixed(1)} ms, ` +
        `jobs done ${stats.jobsDone} / ${stats.jobsQueued}`,
    );
    console.log(pass ? 'Target met.' : 'Target missed.');
    if (jsonFile) {
      await writeFile(
        jsonFile,
        `${JSON.stringify({ userCount, seconds, arrivalSeconds, threads, ...summary }, null, 2)}\n`,
      );
      console.log(`Figures written to ${jsonFile}`);
    }
    process.exitCode = pass ? 0 : 1;
  } finally {
    await app?.close();
    if (clients.connected) {
      const exited = new Promise((resolve) => clients.once('exit', resolve));
      send('close');
      await exited;
    }
    await rm(rootDir, { recursive: true, force: true });
  }
}

await main();
