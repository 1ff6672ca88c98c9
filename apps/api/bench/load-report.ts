/** The load run's figures: per route, per 10 s window, the users' sign-ins and jobs, and the server's CPU. */
import { errorCount, percentiles, routes, type LoadStats } from './load-users.js';

export const windowMs = 10_000;
/** The target: no errors, and p99 under a second over every request of the run, arrival included. */
export const targetP99Ms = 1000;

/** Measured in the API's process (its own, apart from the simulator and the users). */
export interface ServerFigures {
  /** CPU time of the API process over the run (main thread, libuv pool, GC), seconds. */
  cpu: { userS: number; systemS: number };
  /** Event-loop delay of the API's thread over the run. */
  loop: { p50Ms: number; p99Ms: number; maxMs: number };
  /** Per 10 s window from the run's start: CPU seconds and event-loop delay p99. */
  windows: { cpuS: number; loopP99Ms: number }[];
}

interface Figures {
  count: number;
  /** Requests that opened a new connection. */
  newConnections: number;
  p50Ms: number;
  p99Ms: number;
  shed: number;
  errors: number;
}

export interface LoadSummary {
  routes: Record<string, Figures>;
  all: Figures;
  windows: (Figures & { fromS: number; toS: number; drain: boolean; p99MsByRoute: Record<string, number> })[];
  users: { signedIn: number; signInP50Ms: number; signInP99Ms: number };
  jobs: { queued: number; done: number; turnaroundP50Ms: number; turnaroundP99Ms: number };
  connections: { requests: number; opened: number };
  visits: number;
  elapsedS: number;
  server:
    | (ServerFigures & {
        cpuMsPerRequest: number;
        /** Over the whole windows after the last sign-in (argon2 out of the picture); NaN when none. */
        cpuMsPerRequestAfterSignIns: number;
      })
    | null;
  target: { errors: number; p99Ms: number; met: boolean };
  errorSamples: string[];
}

function figures(latencies: readonly number[], shed: number, errors: number, newConnections = 0): Figures {
  const { p50, p99 } = percentiles(latencies);
  return { count: latencies.length + errors, newConnections, p50Ms: p50, p99Ms: p99, shed, errors };
}

export function summarize(stats: LoadStats, server: ServerFigures | null = null): LoadSummary {
  const named = Object.values(routes).filter((name) => stats.routes[name]);
  const summary: LoadSummary['routes'] = {};
  for (const name of named) {
    const route = stats.routes[name]!;
    summary[name] = figures(route.latenciesMs, route.throttled, route.errors, route.newConnections);
  }
  const every = named.map((name) => stats.routes[name]!);
  const all = figures(
    every.flatMap((route) => route.latenciesMs),
    every.reduce((sum, route) => sum + route.throttled, 0),
    errorCount(stats),
    stats.connectionsOpened,
  );

  const windowCount = Math.max(1, Math.ceil(stats.elapsedMs / windowMs));
  const windows = Array.from({ length: windowCount }, (_, w) => {
    const inWindow = (at: number) => Math.min(windowCount - 1, Math.max(0, Math.floor(at / windowMs))) === w;
    const latencies: number[] = [];
    const p99MsByRoute: Record<string, number> = {};
    let errors = 0;
    for (const name of named) {
      const route = stats.routes[name]!;
      const mine = route.latenciesMs.filter((_, i) => inWindow(route.startsMs[i] ?? 0));
      latencies.push(...mine);
      p99MsByRoute[name] = percentiles(mine).p99;
      errors += route.errorsAtMs.filter(inWindow).length;
    }
    return {
      ...figures(latencies, 0, errors),
      fromS: (w * windowMs) / 1000,
      toS: ((w + 1) * windowMs) / 1000,
      drain: w * windowMs >= stats.deadlineMs,
      p99MsByRoute,
    };
  });
  // Shed answers are not timed apart per window; count them from the routes' figures instead.
  const signIn = percentiles(stats.signInMs);
  const turnaround = percentiles(stats.jobTurnaroundMs);
  const errors = errorCount(stats);
  return {
    routes: summary,
    all,
    windows,
    users: { signedIn: stats.usersSignedIn, signInP50Ms: signIn.p50, signInP99Ms: signIn.p99 },
    jobs: {
      queued: stats.jobsQueued,
      done: stats.jobsDone,
      turnaroundP50Ms: turnaround.p50,
      turnaroundP99Ms: turnaround.p99,
    },
    connections: { requests: stats.requests, opened: stats.connectionsOpened },
    visits: stats.rounds,
    elapsedS: stats.elapsedMs / 1000,
    server: server && {
      ...server,
      cpuMsPerRequest: ((server.cpu.userS + server.cpu.systemS) * 1000) / Math.max(1, stats.requests),
      cpuMsPerRequestAfterSignIns: cpuPerRequestAfter(stats.lastSignInAtMs, windows, server),
    },
    target: { errors, p99Ms: all.p99Ms, met: errors === 0 && all.p99Ms < targetP99Ms },
    errorSamples: stats.errorSamples,
  };
}

/** CPU ms per request over the windows that start after `fromMs` (requests counted by when they started). */
function cpuPerRequestAfter(fromMs: number, windows: LoadSummary['windows'], server: ServerFigures): number {
  let cpuS = 0;
  let count = 0;
  windows.forEach((w, i) => {
    const cpu = server.windows[i]?.cpuS;
    if (w.fromS * 1000 < fromMs || cpu === undefined || w.drain) return;
    cpuS += cpu;
    count += w.count;
  });
  return count > 0 ? (cpuS * 1000) / count : Number.NaN;
}

const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
const nameWidth = 46;

/** The printed report. */
export function formatReport(stats: LoadStats, server: ServerFigures | null = null): string[] {
  const summary = summarize(stats, server);
  const row = (name: string, f: Figures) =>
    `  ${name.padEnd(nameWidth)}${String(f.count).padStart(7)}${String(f.newConnections).padStart(10)}` +
    `${fmt(f.p50Ms).padStart(9)}` +
    `${fmt(f.p99Ms).padStart(9)}${String(f.shed).padStart(9)}${String(f.errors).padStart(8)}`;
  const lines = [
    `  ${'route'.padEnd(nameWidth)}${'count'.padStart(7)}${'new conn.'.padStart(10)}${'p50 ms'.padStart(9)}` +
      `${'p99 ms'.padStart(9)}` +
      `${'429/503'.padStart(9)}${'errors'.padStart(8)}`,
  ];
  for (const [name, f] of Object.entries(summary.routes)) lines.push(row(name, f));
  lines.push(row('all requests', summary.all));

  lines.push('', '  per 10 s window, by when a request started (ms unless said)');
  const header = summary.windows.map((w) => `${w.fromS}–${w.toS}${w.drain ? '*' : ''}`.padStart(9));
  lines.push(`  ${'window, s (* after the deadline)'.padEnd(nameWidth)}${header.join('')}`);
  const windowRow = (label: string, cell: (w: LoadSummary['windows'][number], i: number) => string) =>
    lines.push(
      `  ${label.padEnd(nameWidth)}${summary.windows.map((w, i) => cell(w, i).padStart(9)).join('')}`,
    );
  windowRow('requests', (w) => String(w.count));
  windowRow('p50, all requests', (w) => fmt(w.p50Ms));
  windowRow('p99, all requests', (w) => fmt(w.p99Ms));
  for (const name of Object.keys(summary.routes))
    windowRow(`p99 ${name}`, (w) => fmt(w.p99MsByRoute[name] ?? NaN));
  windowRow('errors', (w) => String(w.errors));
  if (server) {
    windowRow('API CPU, s', (_, i) => fmt(server.windows[i]?.cpuS ?? NaN, 2));
    windowRow('API event-loop delay p99', (_, i) => fmt(server.windows[i]?.loopP99Ms ?? NaN));
  }

  const { users, jobs, connections } = summary;
  lines.push(
    '',
    `  users signed in ${users.signedIn}; arrival → signed in (retries included): p50 ${fmt(users.signInP50Ms)} ms, ` +
      `p99 ${fmt(users.signInP99Ms)} ms`,
    `  jobs done ${jobs.done} / queued ${jobs.queued}; txt2img sent → done: p50 ${fmt(jobs.turnaroundP50Ms)} ms, ` +
      `p99 ${fmt(jobs.turnaroundP99Ms)} ms`,
    `  ${connections.requests} requests on ${connections.opened} connections opened ` +
      `(${fmt((100 * connections.opened) / Math.max(1, connections.requests))} % of requests opened one)`,
    `  visits ${summary.visits} in ${fmt(summary.elapsedS)} s; errors ${summary.target.errors}`,
  );
  if (summary.server) {
    const { cpu, loop, cpuMsPerRequest, cpuMsPerRequestAfterSignIns } = summary.server;
    lines.push(
      `  API process CPU over the run: ${fmt(cpu.userS + cpu.systemS, 2)} s (user ${fmt(cpu.userS, 2)}, ` +
        `system ${fmt(cpu.systemS, 2)}): ${fmt(cpuMsPerRequest, 2)} ms per request on average, sign-ins ` +
        `included; ${fmt(cpuMsPerRequestAfterSignIns, 2)} ms in the windows after the last sign-in`,
      `  API event-loop delay: p50 ${fmt(loop.p50Ms)} ms, p99 ${fmt(loop.p99Ms)} ms, max ${fmt(loop.maxMs)} ms`,
    );
  }
  for (const sample of summary.errorSamples) lines.push(`  ! ${sample}`);
  return lines;
}
