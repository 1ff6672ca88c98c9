/**
 * `sse`: SSE fan-out. 1, 100 and 1,000 subscribers of one job; relay latency from the moment the stream
 * hub starts writing a frame to its subscribers to each subscriber parsing it (target p99 < 20 ms at
 * 1,000), and memory per subscriber. The bench hooks in from outside: a probe subscriber of its own,
 * first in line, notes when each frame's fan-out starts, and a bus handler subscribed after the hub's
 * notes when it ends. The API runs on this thread, the simulator and the SSE clients on workers.
 */
import { txt2imgBounds } from '@atelier/contract';
import { defaultTxt2ImgGraph } from '@atelier/workflow';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { JobsRepository } from '#api/comfy/jobs.repository.js';
import { StreamHub } from '#api/comfy/stream-hub.js';
import { jobEndEvents, type JobEventName } from '#api/events/app-events.js';
import { EventBus } from '#api/events/event-bus.js';
import {
  benchEnv,
  benchPassword,
  fmt,
  json,
  pad,
  scratchDir,
  signIn,
  startApi,
  startSim,
  type BenchSession,
} from './bench-kit.js';
import type { BenchGroup, Figure } from './figures.js';
import { message, percentile, worker } from './harness.js';
import type { SseJob, SseWorkerMessage } from './sse.worker.js';

const fanOuts = [1, 100, 1000];
const sseSteps = 40;
/** 20 sampler steps a second: a fast GPU on SDXL. */
const stepMs = 50;
/** Browsers handle their events in parallel; one client thread draining 1,000 sockets would measure itself. */
const sseClientThreads = Number(process.env.BENCH_SSE_THREADS ?? 2);
const targetP99Ms = 20;
/** The graph policy's cap on sampler steps (150): each blocker holds the queue for 7.5 s (all of them 90 s). */
const maxSteps = txt2imgBounds.steps.max;
const blockerJobs = 12;

const gc = (globalThis as { gc?: () => void }).gc;

function samplerWorkflow(steps: number): Record<string, unknown> {
  const graph = defaultTxt2ImgGraph('bench/sse');
  Object.assign(graph['3']!.inputs, { seed: 1, steps, cfg: 7, sampler_name: 'euler', scheduler: 'normal' });
  graph['4']!.inputs.ckpt_name = 'sd_xl_base_1.0.safetensors';
  // SDXL's size: its sampler previews are 128×128 (a 64×64 image's were 8×8, a few hundred bytes).
  Object.assign(graph['5']!.inputs, { width: 1024, height: 1024, batch_size: 1 });
  graph['6']!.inputs.text = 'bench';
  graph['7']!.inputs.text = '';
  return graph;
}

interface FanOutRow {
  subscribers: number;
  events: number;
  deliveries: number;
  expected: number;
  incomplete: number;
  latencies: number[];
  writeMs: number[];
  /** The fan-outs that carried a preview: how long they took. */
  previewWriteMs: number[];
  /** Bytes written to all subscribers per fan-out, on average. */
  bytesPerFanOut: number;
  heapKbPerSub: number;
  rssKbPerSub: number;
}

async function fanOut(
  app: NestExpressApplication,
  api: string,
  session: BenchSession,
  subscribers: number,
): Promise<FanOutRow> {
  const streams = app.get(StreamHub);
  const bus = app.get(EventBus);
  const queue = (steps: number) =>
    json<{ prompt_id: string }>(`${api}/api/comfy/queue`, {
      method: 'POST',
      headers: { ...session.bearer, 'Content-Type': 'application/json' },
      body: JSON.stringify({ workflow: samplerWorkflow(steps) }),
    });
  // Long jobs hold ComfyUI's worker, so the measured one waits in the queue while subscribers connect
  // (several: the graph policy caps a job's steps).
  const blockers: { prompt_id: string }[] = [];
  for (let i = 0; i < blockerJobs; i++) blockers.push(await queue(maxSteps));
  const measured = await queue(sseSteps);

  gc?.();
  const before = process.memoryUsage();
  const threads = subscribers >= 100 ? sseClientThreads : 1;
  const clients = Array.from({ length: threads }, (_, i) => {
    const count = Math.floor(subscribers / threads) + (i < subscribers % threads ? 1 : 0);
    const job: SseJob = {
      url: `${api}/api/comfy/stream/${measured.prompt_id}`,
      cookie: session.cookie,
      subscribers: count,
    };
    const instance = worker('./sse.worker.js', job);
    return {
      instance,
      connected: message<SseWorkerMessage>(instance, (m) => m.type === 'connected'),
      finished: message<SseWorkerMessage>(instance, (m) => m.type === 'finished'),
    };
  });
  const emittedAt = new Map<string, number>();
  const writeMs: number[] = [];
  const previewWriteMs: number[] = [];
  let bytesOut = 0;
  // The probe subscribes before the clients, so it is written to first: the start of each fan-out.
  let fanOutStart: number | null = null;
  let fanOutHasPreview = false;
  let measuring = false;
  const row = await app.get(JobsRepository).findByPromptId(measured.prompt_id);
  if (!row) throw new Error('The measured job is not in the ledger');
  const probe = streams.subscribe(row, null, {
    send: (bytes) => {
      if (!measuring) return;
      fanOutStart ??= performance.now();
      const text = bytes.toString('latin1');
      fanOutHasPreview ||= text.includes('\nevent: preview\n');
      bytesOut += bytes.length * subscribers;
      for (const [, id] of text.matchAll(/^id: (.+)$/gm)) {
        if (id) emittedAt.set(id, performance.timeOrigin + fanOutStart);
      }
    },
    close: () => undefined,
  });
  // Bus handlers run in subscription order: this one, after the hub's, sees the fan-out loop done.
  const fanOutDone = () => {
    if (fanOutStart === null) return;
    const ms = performance.now() - fanOutStart;
    writeMs.push(ms);
    if (fanOutHasPreview) previewWriteMs.push(ms);
    fanOutStart = null;
    fanOutHasPreview = false;
  };
  const jobEvents: JobEventName[] = [
    'job.position',
    'job.running',
    'job.progress',
    'job.preview',
    ...jobEndEvents,
  ];
  const offs = jobEvents.map((name) =>
    bus.subscribe(name, ({ promptId }) => {
      if (promptId === measured.prompt_id) fanOutDone();
    }),
  );

  await Promise.all(clients.map((client) => client.connected));
  gc?.();
  const after = process.memoryUsage();
  measuring = true;
  // The queued ones first (removed), the running one last (interrupted): then the measured job starts.
  for (const blocker of blockers.reverse()) {
    await json(`${api}/api/comfy/cancel/${blocker.prompt_id}`, { method: 'POST', headers: session.bearer });
  }
  const reports = await Promise.all(clients.map((client) => client.finished));
  for (const off of offs) off();
  probe.unsubscribe();
  await Promise.all(clients.map((client) => client.instance.terminate()));

  const latencies: number[] = [];
  let incomplete = 0;
  for (const report of reports) {
    if (report.type !== 'finished') continue;
    incomplete += report.incomplete;
    for (const [id, at] of emittedAt) {
      for (const receivedAt of report.received[id] ?? []) latencies.push(receivedAt - at);
    }
  }
  return {
    subscribers,
    events: emittedAt.size,
    deliveries: latencies.length,
    expected: emittedAt.size * subscribers,
    incomplete,
    latencies: latencies.sort((a, b) => a - b),
    writeMs: writeMs.sort((a, b) => a - b),
    previewWriteMs: previewWriteMs.sort((a, b) => a - b),
    bytesPerFanOut: writeMs.length > 0 ? bytesOut / writeMs.length : Number.NaN,
    heapKbPerSub: (after.heapUsed - before.heapUsed) / subscribers / 1024,
    rssKbPerSub: (after.rss - before.rss) / subscribers / 1024,
  };
}

async function measure(app: NestExpressApplication, api: string, session: BenchSession): Promise<Figure[]> {
  const rows: FanOutRow[] = [];
  for (const subscribers of fanOuts) rows.push(await fanOut(app, api, session, subscribers));
  console.log(
    `SSE fan-out: one job (${sseSteps} sampler steps at ${1000 / stepMs}/s, previews), relay latency from the stream hub's frame to each subscriber`,
  );
  console.log(
    `  ${pad('subscribers', 11)}${pad('events', 8)}${pad('deliveries', 12)}${pad('p50 ms', 9)}${pad('p99 ms', 9)}` +
      `${pad('max ms', 9)}${pad('loop ms', 9)}${pad('preview loop', 14)}${pad('KB/event', 10)}` +
      `${pad('heap KB/sub', 13)}${pad('RSS KB/sub', 12)}`,
  );
  for (const row of rows) {
    console.log(
      `  ${pad(String(row.subscribers), 11)}${pad(String(row.events), 8)}${pad(`${row.deliveries}/${row.expected}`, 12)}` +
        `${pad(fmt(percentile(row.latencies, 50), 2), 9)}${pad(fmt(percentile(row.latencies, 99), 2), 9)}` +
        `${pad(fmt(row.latencies.at(-1) ?? Number.NaN, 2), 9)}${pad(fmt(percentile(row.writeMs, 50), 2), 9)}` +
        `${pad(fmt(percentile(row.previewWriteMs, 50), 2), 14)}${pad(fmt(row.bytesPerFanOut / 1024), 10)}` +
        `${pad(fmt(row.heapKbPerSub), 13)}${pad(fmt(row.rssKbPerSub), 12)}`,
    );
  }
  console.log(
    '  (loop ms: median time the API spends writing one event to all subscribers; heap is the API thread’s)',
  );
  console.log(
    '  (preview loop: the same for the events that carry a preview; KB/event: written to all of them)',
  );
  if (!gc) console.log('  (run node with --expose-gc for steadier memory figures)');
  console.log('');
  const big = rows.find((row) => row.subscribers === 1000);
  const one = rows.find((row) => row.subscribers === 1);
  const incomplete = rows.filter((row) => row.incomplete > 0 || row.deliveries !== row.expected);
  return [
    {
      group: 'sse',
      name: '1,000 subscribers: relay p99 (every event delivered)',
      unit: 'ms',
      // An event lost is a miss whatever the latency of the others.
      value: big && incomplete.length === 0 ? percentile(big.latencies, 99) : Number.NaN,
      target: { op: '<', value: targetP99Ms },
      baseline: { name: '1 subscriber p99 ms', value: one ? percentile(one.latencies, 99) : Number.NaN },
      details: {
        p50: big ? percentile(big.latencies, 50) : Number.NaN,
        loopMs: big ? percentile(big.writeMs, 50) : Number.NaN,
        previewLoopMs: big ? percentile(big.previewWriteMs, 50) : Number.NaN,
        kbPerEvent: big ? big.bytesPerFanOut / 1024 : Number.NaN,
        heapKbPerSub: big?.heapKbPerSub ?? Number.NaN,
        incompleteRows: incomplete.map((row) => row.subscribers).join(' '),
      },
    },
  ];
}

export const sseGroup: BenchGroup = {
  name: 'sse',
  summary: 'SSE fan-out of one job to 1, 100 and 1,000 subscribers: relay latency and memory',
  async run() {
    const scratch = await scratchDir('sse');
    const sim = await startSim(stepMs);
    // The fan-out follows one job with up to 1,000 streams of one user.
    const { app, api } = await startApi(
      benchEnv(scratch.path, sim.url, { ATELIER_MAX_STREAMS_PER_USER: '10000' }),
    );
    try {
      return await measure(app, api, await signIn(api, 'admin', benchPassword));
    } finally {
      await app.close();
      await sim.close();
      await scratch.remove();
    }
  },
};
