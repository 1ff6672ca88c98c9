/**
 * `pool`: Atelier's queue in front of K = 1, 2 and 4 simulated ComfyUI backends (each simulator on its own
 * worker). Per K, 200 short jobs from 4 users: a heavy user queues 100 at once; then each of 3 light users
 * queues a first job, one after the other, while the heavy user's jobs fill every backend; then the light
 * users queue the rest. Figures, all timed by the simulators' own execution timestamps (ComfyUI's
 * `execution_start` / `execution_success` in /history), not by our side of the socket:
 * - throughput versus K = 1 in the same run (target ≥ 0.95·K);
 * - the median idle gap of a backend between two jobs while jobs wait (target < 10 ms);
 * - the longest wait of a light user's first job behind the heavy user's, from joining the queue to its
 *   start (target ≤ one job-time);
 * - the dispatcher's cost per dispatch decision (its own `stats().dispatchUs`).
 */
import { defaultTxt2ImgGraph } from '@atelier/workflow';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Dispatcher } from '#api/dispatch/dispatcher.service.js';
import { EventBus } from '#api/events/event-bus.js';
import { UsersService } from '#api/users/users.service.js';
import {
  benchEnv,
  benchPassword,
  fmt,
  json,
  median,
  pad,
  scratchDir,
  signIn,
  startApi,
  startSim,
  type BenchSession,
  type BenchSim,
} from './bench-kit.js';
import type { BenchGroup, Figure } from './figures.js';

const backendCounts = [1, 2, 4];
const totalJobs = 200;
const heavyJobs = 100;
const lightUsers = 3;
/** Short jobs: 8 sampler steps of 10 ms, plus the decode and save nodes (about 0.1 s on a simulator). */
const steps = 8;
const stepMs = 10;
const targetGapMs = 10;

interface Submitted {
  promptId: string;
  owner: string;
  /** When the POST was sent (ms since the epoch, the simulators' clock: same machine). */
  sentAt: number;
}

interface Executed {
  backend: number;
  startedAt: number;
  endedAt: number;
}

interface PoolRun {
  backends: number;
  jobs: number;
  /** Jobs per second, first execution_start to last execution_success over all backends. */
  throughput: number;
  jobMs: number;
  idleGapsMs: number[];
  /** Joined the queue (`job.waiting`) → started (the simulator's execution_start), per light user's first job. */
  lightFirstWaitsMs: number[];
  /** The same from before the POST was sent: adds the request's own time. */
  lightFirstFromSendMs: number[];
  dispatchUs: number[];
}

let seed = 0;

/** A short sampler job; a new seed each time, or the simulator would answer from its cache. */
function shortJob(): Record<string, unknown> {
  const graph = defaultTxt2ImgGraph('bench/pool');
  seed += 1;
  Object.assign(graph['3']!.inputs, { seed, steps, cfg: 7, sampler_name: 'euler', scheduler: 'normal' });
  graph['4']!.inputs.ckpt_name = 'sd_xl_base_1.0.safetensors';
  Object.assign(graph['5']!.inputs, { width: 64, height: 64, batch_size: 1 });
  graph['6']!.inputs.text = 'bench';
  graph['7']!.inputs.text = '';
  return graph;
}

async function submit(api: string, session: BenchSession, owner: string): Promise<Submitted> {
  const sentAt = Date.now();
  const { prompt_id: promptId } = await json<{ prompt_id: string }>(`${api}/api/comfy/queue`, {
    method: 'POST',
    headers: { ...session.bearer, 'Content-Type': 'application/json' },
    body: JSON.stringify({ workflow: shortJob() }),
  });
  return { promptId, owner, sentAt };
}

/** Whether this build has the pool's admin API (GET/POST /api/admin/backends). */
async function hasBackendsApi(api: string, admin: BenchSession): Promise<boolean> {
  const response = await fetch(`${api}/api/admin/backends`, { headers: admin.bearer });
  await response.body?.cancel();
  return response.ok;
}

/** Backend 1 follows COMFY_API_URL; 2..K are added as an admin would (POST /api/admin/backends). */
async function addBackends(api: string, admin: BenchSession, sims: readonly BenchSim[]): Promise<void> {
  for (const [index, sim] of sims.entries()) {
    if (index === 0) continue;
    await json(`${api}/api/admin/backends`, {
      method: 'POST',
      headers: { ...admin.bearer, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: `sim-${index + 1}`, url: sim.url }),
    });
  }
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { items } = await json<{ items: { state: string }[] }>(`${api}/api/admin/backends`, {
      headers: admin.bearer,
    });
    if (items.length === sims.length && items.every((backend) => backend.state === 'up')) return;
    if (Date.now() > deadline) throw new Error(`backends not up: ${JSON.stringify(items)}`);
    await sleep(100);
  }
}

/** What each simulator ran, by prompt id, from its own /history timestamps. */
async function executions(
  sims: readonly BenchSim[],
  ids: ReadonlySet<string>,
): Promise<Map<string, Executed>> {
  const found = new Map<string, Executed>();
  for (const [backend, sim] of sims.entries()) {
    const history = await json<Record<string, HistoryEntry>>(`${sim.url}/history`, {});
    for (const [promptId, entry] of Object.entries(history)) {
      if (!ids.has(promptId)) continue;
      const at = (type: string) => entry.status?.messages?.find(([name]) => name === type)?.[1].timestamp;
      const startedAt = at('execution_start');
      const endedAt = at('execution_success');
      if (startedAt !== undefined && endedAt !== undefined)
        found.set(promptId, { backend, startedAt, endedAt });
    }
  }
  return found;
}

interface HistoryEntry {
  status?: { messages?: [string, { timestamp?: number }][] };
}

async function waitForAll(
  sims: readonly BenchSim[],
  jobs: readonly Submitted[],
): Promise<Map<string, Executed>> {
  const ids = new Set(jobs.map((job) => job.promptId));
  const deadline = Date.now() + 300_000;
  for (;;) {
    const done = await executions(sims, ids);
    if (done.size === ids.size) return done;
    if (Date.now() > deadline) throw new Error(`only ${done.size} of ${ids.size} jobs ran`);
    await sleep(250);
  }
}

/** One K; null when K > 1 and this build cannot add backends. */
async function runPool(backends: number): Promise<PoolRun | null> {
  const sims = [await startSim(stepMs)];
  const scratch = await scratchDir('pool');
  let app: NestExpressApplication | null = null;
  try {
    const started = await startApi(
      benchEnv(scratch.path, sims[0]!.url, {
        COMFY_RAW_GRAPH_MIN_ROLE: 'user',
        // Warm-up prompts would sit in the simulators' queues between our jobs.
        COMFY_WARMUP_ON_CONNECT: 'false',
      }),
    );
    app = started.app;
    const { api } = started;
    const admin = await signIn(api, 'admin', benchPassword);
    if (backends > 1) {
      if (!(await hasBackendsApi(api, admin))) return null;
      sims.push(...(await Promise.all(Array.from({ length: backends - 1 }, () => startSim(stepMs)))));
      await addBackends(api, admin, sims);
    }
    const users = app.get(UsersService);
    const sessions = new Map<string, BenchSession>();
    for (const name of ['heavy', ...Array.from({ length: lightUsers }, (_, i) => `light-${i + 1}`)]) {
      await users.create({ username: name, password: benchPassword, role: 'user' });
      sessions.set(name, await signIn(api, name, benchPassword));
    }
    const session = (name: string) => sessions.get(name)!;
    const dispatcher = app.get(Dispatcher);
    // The bench hooks in from outside: when each job joined Atelier's queue (ms, the simulators' clock).
    const waitingSince = new Map<string, number>();
    const offWaiting = app.get(EventBus).subscribe('job.waiting', ({ promptId }) => {
      waitingSince.set(promptId, Date.now());
    });

    const heavy = await Promise.all(
      Array.from({ length: heavyJobs }, () => submit(api, session('heavy'), 'heavy')),
    );
    // Each light user's first job, while the heavy user's fill every backend and its own queue.
    const lightFirst: Submitted[] = [];
    for (let i = 1; i <= lightUsers; i++) {
      const first = await submit(api, session(`light-${i}`), `light-${i}`);
      lightFirst.push(first);
      await waitForAll(sims, [first]);
    }
    const rest = totalJobs - heavyJobs - lightUsers;
    const lightRest = await Promise.all(
      Array.from({ length: rest }, (_, i) => {
        const owner = `light-${(i % lightUsers) + 1}`;
        return submit(api, session(owner), owner);
      }),
    );
    const jobs = [...heavy, ...lightFirst, ...lightRest];
    const ran = await waitForAll(sims, jobs);
    // A fresh app per K: every decision it keeps (the last 512) is this run's.
    const { dispatchUs } = dispatcher.stats();

    const all = [...ran.values()];
    const first = Math.min(...all.map((job) => job.startedAt));
    const last = Math.max(...all.map((job) => job.endedAt));
    // From the job joining the queue (`job.waiting`, as its row is written) to ComfyUI starting it.
    const lightFirstWaitsMs = lightFirst.map((job) => {
      const enqueued = waitingSince.get(job.promptId);
      if (enqueued === undefined) throw new Error(`job ${job.promptId} never waited`);
      return ran.get(job.promptId)!.startedAt - enqueued;
    });
    offWaiting();
    const sentAt = new Map(jobs.map((job) => [job.promptId, job.sentAt]));
    const idleGapsMs: number[] = [];
    for (let backend = 0; backend < backends; backend++) {
      const mine = [...ran]
        .filter(([, job]) => job.backend === backend)
        .sort(([, a], [, b]) => a.startedAt - b.startedAt);
      for (let i = 1; i < mine.length; i++) {
        const [, previous] = mine[i - 1]!;
        const [promptId, next] = mine[i]!;
        // Only while a job waited: a backend with nothing to do is not slow.
        if ((sentAt.get(promptId) ?? Infinity) <= previous.endedAt)
          idleGapsMs.push(next.startedAt - previous.endedAt);
      }
    }
    return {
      backends,
      jobs: all.length,
      throughput: all.length / ((last - first) / 1000),
      jobMs: median(all.map((job) => job.endedAt - job.startedAt)),
      idleGapsMs,
      lightFirstWaitsMs,
      lightFirstFromSendMs: lightFirst.map((job) => ran.get(job.promptId)!.startedAt - job.sentAt),
      dispatchUs,
    };
  } finally {
    await app?.close();
    await Promise.all(sims.map((sim) => sim.close()));
    await scratch.remove();
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export const poolGroup: BenchGroup = {
  name: 'pool',
  summary:
    "Atelier's queue over 1, 2 and 4 simulated backends: throughput, idle gaps, fairness, dispatch cost",
  async run(): Promise<Figure[]> {
    console.log(
      `pool: ${totalJobs} jobs of ${steps} steps × ${stepMs} ms; heavy user ${heavyJobs} at once, ${lightUsers} light users`,
    );
    console.log(
      `  ${'backends'.padEnd(9)}${pad('jobs/s', 9)}${pad('vs K=1', 9)}${pad('job ms', 9)}${pad('gap p50', 9)}` +
        `${pad('gap max', 9)}${pad('light wait max', 16)}${pad('dispatch µs p50', 17)}`,
    );
    const runs: PoolRun[] = [];
    for (const backends of backendCounts) {
      const run = await runPool(backends);
      if (!run) {
        console.log(
          `  ${String(backends).padEnd(9)}skipped: this build has no POST /api/admin/backends (the pool's admin API) to add backends 2..${backends}`,
        );
        continue;
      }
      runs.push(run);
      const ratio = run.throughput / runs[0]!.throughput;
      console.log(
        `  ${String(backends).padEnd(9)}${pad(fmt(run.throughput), 9)}${pad(fmt(ratio, 2), 9)}${pad(fmt(run.jobMs), 9)}` +
          `${pad(fmt(median(run.idleGapsMs)), 9)}${pad(fmt(Math.max(...run.idleGapsMs)), 9)}` +
          `${pad(fmt(Math.max(...run.lightFirstWaitsMs)), 16)}${pad(fmt(median(run.dispatchUs)), 17)}`,
      );
    }
    console.log('');
    const base = runs[0]!;
    const figures: Figure[] = [];
    for (const run of runs) {
      const k = run.backends;
      if (k > 1) {
        figures.push({
          group: 'pool',
          name: `throughput K=${k} vs K=1`,
          unit: '×',
          value: run.throughput / base.throughput,
          target: { op: '>=', value: 0.95 * k },
          baseline: { name: 'K=1 jobs/s', value: base.throughput },
          details: { jobsPerS: run.throughput, jobs: run.jobs },
        });
      }
      figures.push({
        group: 'pool',
        name: `backend idle gap p50, K=${k}`,
        unit: 'ms',
        value: median(run.idleGapsMs),
        target: { op: '<', value: targetGapMs },
        baseline: { name: 'job ms', value: run.jobMs },
        details: { gaps: run.idleGapsMs.length, maxMs: Math.max(...run.idleGapsMs) },
      });
      figures.push({
        group: 'pool',
        name: `light user's first job wait, K=${k}`,
        unit: 'job-times',
        value: Math.max(...run.lightFirstWaitsMs) / run.jobMs,
        target: { op: '<=', value: 1 },
        baseline: { name: 'job ms', value: run.jobMs },
        details: {
          waitsMs: run.lightFirstWaitsMs.map((ms) => Math.round(ms)).join(' '),
          fromSendMs: run.lightFirstFromSendMs.map((ms) => Math.round(ms)).join(' '),
        },
      });
      figures.push({
        group: 'pool',
        name: `dispatch decision p50, K=${k}`,
        unit: 'µs',
        value: median(run.dispatchUs),
        // A job takes a decision or two: against a job-time of ~100 ms, 1 ms would be 1 %.
        target: { op: '<', value: 1000 },
        baseline: { name: 'job µs', value: run.jobMs * 1000 },
        details: { decisions: run.dispatchUs.length },
      });
    }
    return figures;
  },
};
