/**
 * The load run's simulated users, over plain HTTP, so the same code drives the API from a worker thread
 * of `pnpm load` and from the smoke test against a test app. Each user loops until the deadline: sign in,
 * browse two gallery pages and a few thumbnails, list its jobs, queue a small txt2img job, follow its
 * event stream to `done`, sign out. Bounded: loopback only, every request and stream has a timeout, and
 * a user starts no new round after the deadline (the round in flight finishes, within `drainSeconds`).
 *
 * What counts as an error: any answer that is not 2xx, except 429 (`rate_limited`, the server shedding
 * load as designed), which is counted in its own column; a network failure or timeout; a stream that
 * ends without `done`, or whose job did not succeed. The target is 0 errors and every queued job done.
 */
import { encodePng } from '@atelier/comfy-sim';
import type { GalleryPage, Txt2ImgResponse } from '@atelier/contract';
import { randomBytes } from 'node:crypto';
import { percentile } from './harness.js';

export interface LoadUser {
  username: string;
  password: string;
}

export interface LoadOptions {
  /** The API's base URL; only a loopback address is accepted. */
  api: string;
  users: readonly LoadUser[];
  seconds: number;
  /** How long the rounds in flight at the deadline may take to finish (default 30 s). */
  drainSeconds?: number;
  /** Pause between a user's requests (default 0: a closed loop). */
  thinkMs?: number;
}

export interface RouteStats {
  latenciesMs: number[];
  throttled: number;
  errors: number;
}

export interface LoadStats {
  routes: Record<string, RouteStats>;
  rounds: number;
  jobsQueued: number;
  jobsDone: number;
  /** A few of the errors, for the report. */
  errorSamples: string[];
  elapsedMs: number;
}

const requestTimeoutMs = 30_000;
const streamTimeoutMs = 60_000;
const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);

export const routes = {
  login: 'POST /api/auth/login',
  gallery: 'GET  /api/gallery/images',
  thumbnail: 'GET  /api/gallery/images/:id/thumbnail',
  jobs: 'GET  /api/comfy/jobs',
  txt2img: 'POST /api/comfy/txt2img',
  stream: 'GET  /api/comfy/stream/:id (to done)',
  logout: 'POST /api/auth/logout',
} as const;

export function emptyStats(): LoadStats {
  return { routes: {}, rounds: 0, jobsQueued: 0, jobsDone: 0, errorSamples: [], elapsedMs: 0 };
}

export function assertLoopback(api: string): void {
  if (!loopbackHosts.has(new URL(api).hostname)) {
    throw new Error(`The load run only targets a loopback address, not ${api}`);
  }
}

class Recorder {
  constructor(readonly stats: LoadStats) {}

  private route(name: string): RouteStats {
    return (this.stats.routes[name] ??= { latenciesMs: [], throttled: 0, errors: 0 });
  }

  ok(name: string, ms: number): void {
    this.route(name).latenciesMs.push(ms);
  }

  throttled(name: string, ms: number): void {
    this.route(name).latenciesMs.push(ms);
    this.route(name).throttled += 1;
  }

  error(name: string, what: string): void {
    this.route(name).errors += 1;
    if (this.stats.errorSamples.length < 10)
      this.stats.errorSamples.push(`${name.replace(/ +/, ' ')}: ${what}`);
  }
}

type Reply = { status: number; body: unknown } | null;

/** One request, timed until its body is read; null unless 2xx (the recorder has the rest). */
async function call(
  recorder: Recorder,
  route: string,
  url: string,
  init: RequestInit & { headers?: Record<string, string> },
  read: 'json' | 'bytes' | 'none' = 'json',
): Promise<Reply> {
  const started = performance.now();
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(requestTimeoutMs) });
    const ok = response.status >= 200 && response.status < 300;
    const body: unknown =
      ok && read === 'json'
        ? await response.json()
        : ok && read === 'bytes'
          ? (await response.arrayBuffer()).byteLength
          : await response.text();
    const ms = performance.now() - started;
    if (ok) {
      recorder.ok(route, ms);
      return { status: response.status, body };
    }
    if (response.status === 429) recorder.throttled(route, ms);
    else recorder.error(route, `${response.status} ${String(body).slice(0, 200)}`);
    return null;
  } catch (error) {
    recorder.error(route, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    return null;
  }
}

/** Reads the job's event stream to `done`; true when the job succeeded. */
async function follow(recorder: Recorder, api: string, auth: Record<string, string>, promptId: string) {
  const started = performance.now();
  try {
    const response = await fetch(`${api}/api/comfy/stream/${encodeURIComponent(promptId)}`, {
      headers: { ...auth, Accept: 'text/event-stream' },
      signal: AbortSignal.timeout(streamTimeoutMs),
    });
    if (response.status !== 200 || !response.body) {
      const text = await response.text();
      if (response.status === 429) recorder.throttled(routes.stream, performance.now() - started);
      else recorder.error(routes.stream, `${response.status} ${text.slice(0, 200)}`);
      return false;
    }
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (!/^event: done$/m.test(frame)) continue;
        const data = /^data: (.*)$/m.exec(frame)?.[1] ?? '{}';
        const { status } = JSON.parse(data) as { status?: string };
        if (status === 'succeeded') {
          recorder.ok(routes.stream, performance.now() - started);
          return true;
        }
        recorder.error(routes.stream, `job ${promptId} ended ${status}`);
        return false;
      }
    }
    recorder.error(routes.stream, `stream of ${promptId} ended without done`);
    return false;
  } catch (error) {
    recorder.error(routes.stream, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    return false;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function userLoop(recorder: Recorder, options: LoadOptions, user: LoadUser, deadline: number) {
  const { api } = options;
  const think = () => (options.thinkMs ? sleep(options.thinkMs) : Promise.resolve());
  const json = { 'Content-Type': 'application/json' };
  let round = 0;
  while (performance.now() < deadline) {
    round += 1;
    recorder.stats.rounds += 1;
    const login = await call(recorder, routes.login, `${api}/api/auth/login`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ username: user.username, password: user.password }),
    });
    if (!login) {
      await sleep(100);
      continue;
    }
    const auth = { Authorization: `Bearer ${(login.body as { access_token: string }).access_token}` };
    await think();
    const first = await call(recorder, routes.gallery, `${api}/api/gallery/images?limit=24`, {
      headers: auth,
    });
    const page = first?.body as GalleryPage | undefined;
    // A different handful of thumbnails each round, as a user scrolling would load.
    const items = page?.items ?? [];
    for (let i = 0; i < Math.min(4, items.length); i++) {
      const item = items[(round * 4 + i) % items.length];
      if (!item) continue;
      await call(
        recorder,
        routes.thumbnail,
        `${api}/api/gallery/images/${item.id}/thumbnail`,
        { headers: auth },
        'bytes',
      );
    }
    if (page?.next_cursor) {
      await think();
      const cursor = encodeURIComponent(page.next_cursor);
      await call(recorder, routes.gallery, `${api}/api/gallery/images?limit=24&cursor=${cursor}`, {
        headers: auth,
      });
    }
    await think();
    await call(recorder, routes.jobs, `${api}/api/comfy/jobs?limit=20`, { headers: auth });
    await think();
    const queued = await call(recorder, routes.txt2img, `${api}/api/comfy/txt2img`, {
      method: 'POST',
      headers: { ...auth, ...json },
      body: JSON.stringify({
        caption: `load ${user.username} round ${round}`,
        width: 64,
        height: 64,
        steps: 2,
      }),
    });
    if (queued) {
      recorder.stats.jobsQueued += 1;
      if (await follow(recorder, api, auth, (queued.body as Txt2ImgResponse).prompt_id)) {
        recorder.stats.jobsDone += 1;
      }
    }
    await call(recorder, routes.logout, `${api}/api/auth/logout`, { method: 'POST', headers: auth }, 'none');
  }
}

/** Runs every user until `seconds` have passed, then lets the rounds in flight finish. */
export async function runUsers(options: LoadOptions): Promise<LoadStats> {
  assertLoopback(options.api);
  const stats = emptyStats();
  const recorder = new Recorder(stats);
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const drainMs = (options.drainSeconds ?? 30) * 1000;
  const all = Promise.all(options.users.map((user) => userLoop(recorder, options, user, deadline)));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), options.seconds * 1000 + drainMs);
  });
  const outcome = await Promise.race([all.then(() => 'done' as const), late]);
  clearTimeout(timer);
  if (outcome === 'late')
    stats.errorSamples.push(`rounds still running ${drainMs / 1000} s after the deadline`);
  stats.elapsedMs = performance.now() - started;
  return stats;
}

/** Stats of several client threads as one. */
export function mergeStats(parts: readonly LoadStats[]): LoadStats {
  const merged = emptyStats();
  for (const part of parts) {
    for (const [name, route] of Object.entries(part.routes)) {
      const into = (merged.routes[name] ??= { latenciesMs: [], throttled: 0, errors: 0 });
      into.latenciesMs.push(...route.latenciesMs);
      into.throttled += route.throttled;
      into.errors += route.errors;
    }
    merged.rounds += part.rounds;
    merged.jobsQueued += part.jobsQueued;
    merged.jobsDone += part.jobsDone;
    merged.errorSamples.push(...part.errorSamples);
    merged.elapsedMs = Math.max(merged.elapsedMs, part.elapsedMs);
  }
  return merged;
}

export function errorCount(stats: LoadStats): number {
  return Object.values(stats.routes).reduce((sum, route) => sum + route.errors, 0);
}

/** The printed table: per route count, p50/p99, 429s and errors; then jobs done vs queued. */
export function formatReport(stats: LoadStats): string[] {
  const fmt = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : '—');
  const lines = [
    `  ${'route'.padEnd(44)}${'count'.padStart(8)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}` +
      `${'429'.padStart(6)}${'errors'.padStart(8)}`,
  ];
  for (const name of Object.values(routes)) {
    const route = stats.routes[name];
    if (!route) continue;
    const sorted = [...route.latenciesMs].sort((a, b) => a - b);
    lines.push(
      `  ${name.padEnd(44)}${String(sorted.length + route.errors).padStart(8)}` +
        `${fmt(percentile(sorted, 50)).padStart(9)}${fmt(percentile(sorted, 99)).padStart(9)}` +
        `${String(route.throttled).padStart(6)}${String(route.errors).padStart(8)}`,
    );
  }
  const seconds = stats.elapsedMs / 1000;
  lines.push(
    `  rounds ${stats.rounds} in ${seconds.toFixed(1)} s; jobs done ${stats.jobsDone} / queued ${stats.jobsQueued}; ` +
      `errors ${errorCount(stats)}`,
  );
  for (const sample of stats.errorSamples) lines.push(`  ! ${sample}`);
  return lines;
}

/** The gallery the users browse: `count` distinct noisy PNGs ingested as `bearer` (a curator or admin). */
export async function seedGallery(api: string, bearer: Record<string, string>, count: number): Promise<void> {
  assertLoopback(api);
  for (let i = 0; i < count; i++) {
    const side = 96;
    const png = encodePng({
      width: side,
      height: side,
      channels: 3,
      data: new Uint8Array(randomBytes(side * side * 3)),
    });
    const form = new FormData();
    form.append('file', new Blob([png], { type: 'image/png' }), `seed-${i}.png`);
    const response = await fetch(`${api}/api/comfy/ingest`, { method: 'POST', headers: bearer, body: form });
    if (response.status !== 201)
      throw new Error(`seeding the gallery: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  }
}
