/**
 * `pnpm load`: LOAD_USERS simulated users (200) for LOAD_SECONDS (60) against the API with the ComfyUI
 * simulator behind it, all on loopback. The API runs on this thread, the simulator and the users each
 * on worker threads (LOAD_THREADS of them, 1 by default). The users are created through UsersService,
 * the gallery is seeded through ingest first. Prints per-route p50/p99, 429s, errors and jobs done vs
 * queued; exits 1 unless there were 0 errors and every queued job was done.
 */
import type { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '#api/config/load-config.js';
import { createApp } from '#api/create-app.js';
import { UsersService } from '#api/users/users.service.js';
import { message, worker } from './harness.js';
import {
  errorCount,
  formatReport,
  mergeStats,
  seedGallery,
  type LoadOptions,
  type LoadStats,
  type LoadUser,
} from './load-users.js';

const bounded = (raw: string | undefined, fallback: number, max: number) => {
  const value = Math.floor(Number(raw ?? fallback));
  return Number.isFinite(value) && value >= 1 ? Math.min(value, max) : fallback;
};
const userCount = bounded(process.env.LOAD_USERS, 200, 2000);
const seconds = bounded(process.env.LOAD_SECONDS, 60, 600);
const threads = bounded(process.env.LOAD_THREADS, 1, 8);
const galleryImages = 60;
/** Sampler steps of 10 ms: each small job (2 steps) takes the simulator a few tens of ms. */
const stepMs = 10;

/**
 * The server's limits that one loopback address with hundreds of users would trip, raised for this run
 * only: logins in flight count against the per-IP failure budget until they succeed. The per-user caps
 * (streams, uploads) stay at their defaults: each simulated user holds one stream at a time.
 */
const raisedLimits = { ATELIER_LOGIN_MAX_FAILURES: '1000' } as const;

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

async function main(): Promise<void> {
  const rootDir = await mkdtemp(join(tmpdir(), 'atelier-load-'));
  const simWorker = worker('./sim.worker.js', { stepMs });
  const sim = await message<{ url: string; dataDir: string }>(simWorker);
  const password = 'load-admin-password';
  const app = await createApp(
    loadConfig({
      ATELIER_ROOT_DIR: rootDir,
      LOG_LEVEL: 'silent',
      ATELIER_ADMIN_USERNAME: 'admin',
      ATELIER_ADMIN_PASSWORD: password,
      COMFY_ENABLED: 'true',
      COMFY_API_URL: sim.url,
      ...raisedLimits,
    }),
  );
  try {
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
      `  ${userCount} users × ${seconds} s on ${threads} client thread(s); gallery of ${galleryImages} images; ` +
        `txt2img 64×64, 2 steps, simulator step ${stepMs} ms`,
    );
    console.log(
      `  raised for this run: ${Object.entries(raisedLimits)
        .map(([name, value]) => `${name}=${value}`)
        .join(', ')} (streams and uploads per user at their defaults)`,
    );
    console.log(
      '  errors: any answer but 2xx (429 counted apart), network failures, streams not ending in done',
    );
    console.log('');
    const shares = Array.from({ length: threads }, (_, t) => users.filter((_, i) => i % threads === t));
    // The API's own event loop: tells server stalls from client-side or CPU-sharing delays.
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const clients = shares.map((share) => {
      const options: LoadOptions = { api, users: share, seconds };
      return worker('./load-users.worker.js', options);
    });
    const parts = await Promise.all(clients.map((client) => message<LoadStats>(client)));
    // Their fetch pools keep idle sockets open; the results are in.
    await Promise.all(clients.map((client) => client.terminate()));
    const stats = mergeStats(parts);
    loop.disable();
    for (const line of formatReport(stats)) console.log(line);
    const ms = (ns: number) => (ns / 1e6).toFixed(1);
    console.log(
      `  API event-loop delay: p50 ${ms(loop.percentile(50))} ms, p99 ${ms(loop.percentile(99))} ms, ` +
        `max ${ms(loop.max)} ms`,
    );
    const pass = errorCount(stats) === 0 && stats.jobsDone === stats.jobsQueued && stats.jobsQueued > 0;
    console.log('');
    console.log(pass ? 'Target met: 0 errors, every job done.' : 'Target missed (see above).');
    process.exitCode = pass ? 0 : 1;
  } finally {
    await app.close();
    simWorker.postMessage('close');
    await new Promise((resolve) => simWorker.once('exit', resolve));
    await rm(rootDir, { recursive: true, force: true });
  }
}

await main();
