/**
 * The load run's simulated users, over plain HTTP, so the same code drives the API from a worker thread
 * of `pnpm load` and from the smoke test against a test app. Shaped as a studio would hit it:
 *
 * - the users arrive spread over the first `arrivalSeconds` (10 s of the 60 by default);
 * - each signs in once (retrying after Retry-After when the server sheds the sign-in), then visits
 *   until the deadline: lists its jobs, queues a small txt2img job (when none of its own is running)
 *   and follows it by SSE while it browses, opens a gallery page and loads a screenful of its
 *   thumbnails, with short pauses between steps and a longer one between visits, as a person would;
 * - each has a connection pool of its own, like a browser (6 keep-alive connections per host, the
 *   event stream holding one), and caches thumbnails (they are served immutable), so a thumbnail is
 *   fetched once per user;
 * - at the deadline it waits for its job to finish and signs out.
 *
 * Bounded: loopback only, every request and stream has a timeout, no new visit starts after the
 * deadline (what is in flight finishes, within `drainSeconds`).
 *
 * What counts as an error: any answer that is not 2xx, except the server shedding load as designed
 * (429 `rate_limited`, 503 `auth.busy`, both with Retry-After), counted in a column of their own; a
 * network failure or timeout; a stream that ends without `done`, or whose job did not succeed.
 */
import { encodePng } from '@atelier/comfy-sim';
import type { GalleryPage, Txt2ImgResponse } from '@atelier/contract';
import { randomBytes } from 'node:crypto';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
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
  /** The users arrive evenly spread over this many seconds from the start (default: a sixth of `seconds`). */
  arrivalSeconds?: number;
  /** How long what is in flight at the deadline may take to finish (default 30 s). */
  drainSeconds?: number;
  /** The run's start as a wall-clock time (Date.now()), shared by every thread; default: now. */
  startEpochMs?: number;
  /** Pauses, ms: between the steps of a visit, and between visits (defaults: 300–1200 and 2000–6000). */
  think?: { stepMs: readonly [number, number]; visitMs: readonly [number, number] };
}

export interface RouteStats {
  /** Answered requests (2xx and shed), ms from sending to the last byte of the answer. */
  latenciesMs: number[];
  /** When each of those started, ms after the run's start (parallel to latenciesMs). */
  startsMs: number[];
  throttled: number;
  errors: number;
  /** When each error happened, ms after the run's start. */
  errorsAtMs: number[];
  /** Requests that went out on a new connection rather than a kept-alive one. */
  newConnections: number;
}

export interface LoadStats {
  routes: Record<string, RouteStats>;
  /** Visits (rounds of jobs, job, gallery, thumbnails) begun. */
  rounds: number;
  usersSignedIn: number;
  /** Per signed-in user: from arrival to signed in, retries included. */
  signInMs: number[];
  /** When the last user signed in, ms after the run's start. */
  lastSignInAtMs: number;
  jobsQueued: number;
  jobsDone: number;
  /** Per job done: from sending txt2img to its `done` event. */
  jobTurnaroundMs: number[];
  /** HTTP requests sent, and how many of them opened a new connection instead of reusing one. */
  requests: number;
  connectionsOpened: number;
  /** A few of the errors, for the report. */
  errorSamples: string[];
  /** The deadline and the time everything ended, ms after the run's start. */
  deadlineMs: number;
  elapsedMs: number;
}

const requestTimeoutMs = 30_000;
const streamTimeoutMs = 60_000;
/** A browser opens at most 6 connections per host over HTTP/1.1. */
const connectionsPerUser = 6;
/** Thumbnails of a gallery page shown at once (one screen); the next visit shows the next screen. */
const screenSize = 6;
const pageSize = 24;
const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]']);
const defaultThink = { stepMs: [300, 1200], visitMs: [2000, 6000] } as const;

export const routes = {
  login: 'POST /api/auth/login',
  jobs: 'GET  /api/comfy/jobs',
  txt2img: 'POST /api/comfy/txt2img',
  stream: 'GET  /api/comfy/stream/:id (to headers)',
  gallery: 'GET  /api/gallery/images',
  thumbnail: 'GET  /api/gallery/images/:id/thumbnail',
  logout: 'POST /api/auth/logout',
} as const;

export function emptyStats(): LoadStats {
  return {
    routes: {},
    rounds: 0,
    usersSignedIn: 0,
    signInMs: [],
    lastSignInAtMs: 0,
    jobsQueued: 0,
    jobsDone: 0,
    jobTurnaroundMs: [],
    requests: 0,
    connectionsOpened: 0,
    errorSamples: [],
    deadlineMs: 0,
    elapsedMs: 0,
  };
}

export function assertLoopback(api: string): void {
  if (!loopbackHosts.has(new URL(api).hostname)) {
    throw new Error(`The load run only targets a loopback address, not ${api}`);
  }
}

const emptyRoute = (): RouteStats => ({
  latenciesMs: [],
  startsMs: [],
  throttled: 0,
  errors: 0,
  errorsAtMs: [],
  newConnections: 0,
});

class Recorder {
  constructor(
    readonly stats: LoadStats,
    private readonly startEpochMs: number,
  ) {}

  /** Ms since the run's start. */
  now(): number {
    return Date.now() - this.startEpochMs;
  }

  private route(name: string): RouteStats {
    return (this.stats.routes[name] ??= emptyRoute());
  }

  answered(name: string, startedAt: number, ms: number, shed = false): void {
    const route = this.route(name);
    route.latenciesMs.push(ms);
    route.startsMs.push(startedAt);
    if (shed) route.throttled += 1;
  }

  error(name: string, what: string): void {
    const route = this.route(name);
    route.errors += 1;
    route.errorsAtMs.push(this.now());
    if (this.stats.errorSamples.length < 10)
      this.stats.errorSamples.push(`${name.replace(/ +/, ' ')}: ${what}`);
  }

  connection(name: string, reused: boolean): void {
    this.stats.requests += 1;
    if (reused) return;
    this.stats.connectionsOpened += 1;
    this.route(name).newConnections += 1;
  }
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** One exchange on the user's own connection pool; rejects on a network failure or timeout. */
function exchange(
  recorder: Recorder,
  agent: Agent,
  route: string,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      agent,
      method: init.method ?? 'GET',
      headers:
        init.body === undefined
          ? init.headers
          : { ...init.headers, 'Content-Length': Buffer.byteLength(init.body) },
      signal: AbortSignal.timeout(requestTimeoutMs),
    });
    req.on('response', (res) => {
      recorder.connection(route, req.reusedSocket);
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text: Buffer.concat(chunks).toString(),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

/** 429 `rate_limited`, or 503 `auth.busy`: the server shedding load as designed, with Retry-After. */
function isShed(answer: Answer): boolean {
  if (answer.status === 429) return true;
  return answer.status === 503 && answer.text.includes('"auth.busy"');
}

function retryAfterMs(answer: Answer): number {
  const seconds = Number(answer.headers['retry-after']);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 10) * 1000 : 1000;
}

type Reply = { answer: Answer; ok: boolean };

/** One request, timed until its answer is read; `ok` when 2xx (the recorder has the rest). */
async function call(
  recorder: Recorder,
  agent: Agent,
  route: string,
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply | null> {
  const startedAt = recorder.now();
  const started = performance.now();
  try {
    const answer = await exchange(recorder, agent, route, url, init);
    const ms = performance.now() - started;
    const ok = answer.status >= 200 && answer.status < 300;
    if (ok || isShed(answer)) recorder.answered(route, startedAt, ms, !ok);
    else recorder.error(route, `${answer.status} ${answer.text.slice(0, 200)}`);
    return { answer, ok };
  } catch (error) {
    recorder.error(route, error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    return null;
  }
}

/** Follows the job's event stream to `done`; resolves true when the job succeeded. */
function follow(
  recorder: Recorder,
  agent: Agent,
  api: string,
  auth: Record<string, string>,
  promptId: string,
): Promise<boolean> {
  const startedAt = recorder.now();
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    const settle = (value: boolean, error?: string) => {
      if (settled) return;
      settled = true;
      if (error) recorder.error(routes.stream, error);
      resolve(value);
    };
    const req = request(`${api}/api/comfy/stream/${encodeURIComponent(promptId)}`, {
      agent,
      headers: { ...auth, Accept: 'text/event-stream' },
      signal: AbortSignal.timeout(streamTimeoutMs),
    });
    req.on('response', (res) => {
      recorder.connection(routes.stream, req.reusedSocket);
      const status = res.statusCode ?? 0;
      res.setEncoding('utf8');
      let buffer = '';
      if (status !== 200) {
        res.on('data', (chunk: string) => (buffer += chunk));
        res.on('end', () => {
          const shed = status === 429;
          if (shed) recorder.answered(routes.stream, startedAt, performance.now() - started, true);
          settle(false, shed ? undefined : `${status} ${buffer.slice(0, 200)}`);
        });
        return;
      }
      recorder.answered(routes.stream, startedAt, performance.now() - started);
      let outcome: boolean | null = null;
      res.on('data', (chunk: string) => {
        if (outcome !== null) return;
        buffer += chunk;
        let end: number;
        while (outcome === null && (end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!/^event: done$/m.test(frame)) continue;
          const data = /^data: (.*)$/m.exec(frame)?.[1] ?? '{}';
          const { status: jobStatus } = JSON.parse(data) as { status?: string };
          outcome = jobStatus === 'succeeded';
          // Settled at `done`; the server then ends the stream, and its connection with it (no chunked encoding).
          settle(outcome, outcome ? undefined : `job ${promptId} ended ${jobStatus}`);
        }
      });
      res.on('end', () => settle(false, `stream of ${promptId} ended without done`));
      res.on('error', (error) => settle(false, `${error.name}: ${error.message}`));
    });
    req.on('error', (error) => settle(false, `${error.name}: ${error.message}`));
    req.end();
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A small seeded generator (mulberry32), so each user pauses the same way in every run. */
function seededRandom(seedText: string): () => number {
  let seed = 0;
  for (const char of seedText) seed = (Math.imul(seed, 31) + char.charCodeAt(0)) | 0;
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function userLoop(
  recorder: Recorder,
  options: LoadOptions,
  user: LoadUser,
  arriveAtMs: number,
  deadlineMs: number,
): Promise<void> {
  const { api } = options;
  const agent = new Agent({ keepAlive: true, maxSockets: connectionsPerUser });
  const random = seededRandom(user.username);
  const think = options.think ?? defaultThink;
  const pause = ([min, max]: readonly [number, number]) => sleep(min + random() * (max - min));
  const beforeDeadline = () => recorder.now() < deadlineMs;
  const json = { 'Content-Type': 'application/json' };
  try {
    await sleep(Math.max(0, arriveAtMs - recorder.now()));
    let token: string | null = null;
    while (token === null && beforeDeadline()) {
      const login = await call(recorder, agent, routes.login, `${api}/api/auth/login`, {
        method: 'POST',
        headers: json,
        body: JSON.stringify({ username: user.username, password: user.password }),
      });
      if (login?.ok) token = (JSON.parse(login.answer.text) as { access_token: string }).access_token;
      else await sleep(login && isShed(login.answer) ? retryAfterMs(login.answer) : 1000);
    }
    if (token === null) return;
    recorder.stats.usersSignedIn += 1;
    recorder.stats.signInMs.push(recorder.now() - arriveAtMs);
    recorder.stats.lastSignInAtMs = Math.max(recorder.stats.lastSignInAtMs, recorder.now());
    const auth = { Authorization: `Bearer ${token}` };

    const cached = new Set<number>();
    /** Visits so far per page (by cursor): each shows the next screen of it, as the user scrolls on. */
    const pageVisits = new Map<string, number>();
    let job: Promise<void> | null = null;
    let cursor: string | null = null;
    let visit = 0;
    while (beforeDeadline()) {
      recorder.stats.rounds += 1;
      await call(recorder, agent, routes.jobs, `${api}/api/comfy/jobs?limit=20`, { headers: auth });
      await pause(think.stepMs);
      if (job === null && beforeDeadline()) {
        const sent = performance.now();
        const queued = await call(recorder, agent, routes.txt2img, `${api}/api/comfy/txt2img`, {
          method: 'POST',
          headers: { ...auth, ...json },
          body: JSON.stringify({
            caption: `load ${user.username} visit ${visit}`,
            width: 64,
            height: 64,
            steps: 2,
          }),
        });
        if (queued?.ok) {
          recorder.stats.jobsQueued += 1;
          const promptId = (JSON.parse(queued.answer.text) as Txt2ImgResponse).prompt_id;
          // Followed while the user browses on, as the UI does.
          job = follow(recorder, agent, api, auth, promptId).then((succeeded) => {
            if (succeeded) {
              recorder.stats.jobsDone += 1;
              recorder.stats.jobTurnaroundMs.push(performance.now() - sent);
            }
            job = null;
          });
        }
        await pause(think.stepMs);
      }
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const listed = await call(
        recorder,
        agent,
        routes.gallery,
        `${api}/api/gallery/images?limit=${pageSize}${query}`,
        {
          headers: auth,
        },
      );
      const page = listed?.ok ? (JSON.parse(listed.answer.text) as GalleryPage) : null;
      const items = page?.items ?? [];
      const seen = pageVisits.get(cursor ?? '') ?? 0;
      pageVisits.set(cursor ?? '', seen + 1);
      const from = items.length > 0 ? (seen * screenSize) % items.length : 0;
      const screen = items.slice(from, from + screenSize).filter((item) => !cached.has(item.id));
      // The next visit opens the next page; after the last, the first again.
      cursor = page?.next_cursor ?? null;
      await Promise.all(
        screen.map(async (item) => {
          const thumb = await call(
            recorder,
            agent,
            routes.thumbnail,
            `${api}/api/gallery/images/${item.id}/thumbnail`,
            {
              headers: auth,
            },
          );
          if (thumb?.ok) cached.add(item.id);
        }),
      );
      visit += 1;
      await pause(think.visitMs);
    }
    await job;
    await call(recorder, agent, routes.logout, `${api}/api/auth/logout`, { method: 'POST', headers: auth });
  } finally {
    agent.destroy();
  }
}

/** Runs every user until `seconds` have passed, then lets what is in flight finish. */
export async function runUsers(options: LoadOptions): Promise<LoadStats> {
  assertLoopback(options.api);
  const stats = emptyStats();
  stats.deadlineMs = options.seconds * 1000;
  const startEpochMs = options.startEpochMs ?? Date.now();
  const recorder = new Recorder(stats, startEpochMs);
  const deadlineMs = options.seconds * 1000;
  const arrivalMs = (options.arrivalSeconds ?? options.seconds / 6) * 1000;
  const drainMs = (options.drainSeconds ?? 30) * 1000;
  const total = options.users.length;
  const all = Promise.all(
    options.users.map((user, i) =>
      userLoop(recorder, options, user, (i / Math.max(1, total)) * arrivalMs, deadlineMs),
    ),
  );
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), Math.max(0, deadlineMs + drainMs - recorder.now()));
  });
  const outcome = await Promise.race([all.then(() => 'done' as const), late]);
  clearTimeout(timer);
  if (outcome === 'late') {
    stats.errorSamples.push(`requests or jobs still running ${drainMs / 1000} s after the deadline`);
    // Counted as an error, so a run that never finished cannot pass.
    (stats.routes[routes.logout] ??= emptyRoute()).errors += 1;
  }
  stats.elapsedMs = recorder.now();
  return stats;
}

/** Users i, i + threads, i + 2 × threads… go to thread i; each thread spreads its share over the arrival. */
export function shareUsers(users: readonly LoadUser[], threads: number): LoadUser[][] {
  return Array.from({ length: threads }, (_, t) => users.filter((_, i) => i % threads === t));
}

/** Stats of several client threads as one. */
export function mergeStats(parts: readonly LoadStats[]): LoadStats {
  const merged = emptyStats();
  for (const part of parts) {
    for (const [name, route] of Object.entries(part.routes)) {
      const into = (merged.routes[name] ??= emptyRoute());
      into.latenciesMs.push(...route.latenciesMs);
      into.startsMs.push(...route.startsMs);
      into.errorsAtMs.push(...route.errorsAtMs);
      into.throttled += route.throttled;
      into.errors += route.errors;
      into.newConnections += route.newConnections;
    }
    merged.rounds += part.rounds;
    merged.usersSignedIn += part.usersSignedIn;
    merged.signInMs.push(...part.signInMs);
    merged.lastSignInAtMs = Math.max(merged.lastSignInAtMs, part.lastSignInAtMs);
    merged.jobsQueued += part.jobsQueued;
    merged.jobsDone += part.jobsDone;
    merged.jobTurnaroundMs.push(...part.jobTurnaroundMs);
    merged.requests += part.requests;
    merged.connectionsOpened += part.connectionsOpened;
    merged.errorSamples.push(...part.errorSamples);
    merged.deadlineMs = Math.max(merged.deadlineMs, part.deadlineMs);
    merged.elapsedMs = Math.max(merged.elapsedMs, part.elapsedMs);
  }
  return merged;
}

export function errorCount(stats: LoadStats): number {
  return Object.values(stats.routes).reduce((sum, route) => sum + route.errors, 0);
}

/** p50/p99 of a list in any order. */
export function percentiles(values: readonly number[]): { p50: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

export { formatReport } from './load-report.js';

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
