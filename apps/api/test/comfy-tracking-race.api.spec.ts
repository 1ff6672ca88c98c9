import { startComfySim, type ComfySim } from '@atelier/comfy-sim';
import type { ComfyQueueResponse } from '@atelier/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { EventBus } from '../src/events/event-bus.js';
import { comfyEnv, presetFiles, simJson, usersQueueGraphs, waitFor } from './comfy-kit.js';
import { ComfyRelay } from './comfy-relay.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

// Under a crowd, small jobs finish before the API starts tracking them (tracking starts once POST /prompt
// answered and the ledger row was updated): their socket events went by unheard, and the tracker's first
// /queue look must not reuse a shared request sent before it subscribed, whose snapshot still shows the job
// running, or the job is reported one safety reconcile (15 s) late. On a busy server ComfyUI's HTTP answers
// wait a while before the API reads them while socket events keep flowing; the relay below gives every
// HTTP answer that delay (the socket passes at once), which makes the race show on a quiet machine too.

const users = 4;
const jobsPerUser = 10;
const answerDelayMs = 30;
/** The late ones the race produced came one safety reconcile (15 s) late. */
const reportedWithinMs = 1_000;

let sim: ComfySim | undefined;
let relay: ComfyRelay | undefined;
let app: TestApp | undefined;

afterEach(async () => {
  await app?.close();
  await relay?.close();
  await sim?.close();
  app = undefined;
  relay = undefined;
  sim = undefined;
});

/** A relay in front of the simulator that holds each HTTP answer a while; WebSockets pass at once. */
function slowAnswersRelay(port: number, delayMs: number): Promise<ComfyRelay> {
  return ComfyRelay.start(port, (_req, _res, forward) =>
    forward((answer, res) => {
      const chunks: Buffer[] = [];
      answer.on('data', (chunk: Buffer) => chunks.push(chunk));
      answer.on('end', () => {
        const body = Buffer.concat(chunks);
        const headers = { ...answer.headers, 'content-length': String(body.length) };
        delete headers['transfer-encoding'];
        delete headers.connection;
        setTimeout(() => res.writeHead(answer.statusCode ?? 502, headers).end(body), delayMs);
      });
    }),
  );
}

/** EmptyImage → SaveImage; a colour of its own so ComfyUI's cache does not skip the run. */
function smallJob(n: number): Record<string, unknown> {
  return {
    '1': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: n } },
    '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'atelier/burst' } },
  };
}

interface SimHistory {
  status: { status_str: string; messages: [string, { timestamp?: number }][] };
}

/** When ComfyUI finished the prompt, by its own record: the timestamp of `execution_success` in history. */
async function finishedAt(from: ComfySim, promptId: string): Promise<number> {
  const history = (await simJson(from, `/history/${promptId}`)) as Record<string, SimHistory>;
  const status = history[promptId]?.status;
  expect(status?.status_str).toBe('success');
  const success = status?.messages.find(([event]) => event === 'execution_success');
  const timestamp = success?.[1].timestamp;
  if (typeof timestamp !== 'number') throw new Error(`no execution_success timestamp for ${promptId}`);
  return timestamp;
}

describe('job tracking under a burst of submissions', () => {
  it('reports every job succeeded within 1 s of ComfyUI finishing it', async () => {
    sim = await startComfySim({ port: 0, stepMs: 1 });
    relay = await slowAnswersRelay(sim.port, answerDelayMs);
    const api = await createTestApp({ files: presetFiles, env: comfyEnv(relay.url, usersQueueGraphs) });
    app = api;
    const sessions: TestSession[] = [];
    for (let u = 0; u < users; u++) sessions.push(await api.login('user', `burst-${u}`));

    const bus = api.nest.get(EventBus);
    const trackedAt = new Map<string, number>();
    const reportedAt = new Map<string, number>();
    const unsubscribe = [
      // Published right after the tracker was handed the job.
      bus.subscribe('job.queued', ({ promptId }) => void trackedAt.set(promptId, Date.now())),
      bus.subscribe('job.succeeded', ({ promptId }) => void reportedAt.set(promptId, Date.now())),
    ];
    try {
      const submit = async (session: TestSession, n: number) => {
        const response = await api.request
          .post('/api/comfy/queue')
          .set(session.bearer)
          .send({ workflow: smallJob(n) })
          .expect(201);
        return (response.body as ComfyQueueResponse).prompt_id;
      };
      // Every user submits one job after the other, all users at once: ComfyUI's queue stays short.
      const perUser = await Promise.all(
        sessions.map(async (session, u) => {
          const ids: string[] = [];
          for (let i = 0; i < jobsPerUser; i++) ids.push(await submit(session, u * jobsPerUser + i));
          return ids;
        }),
      );
      const promptIds = perUser.flat();
      expect(new Set(promptIds).size).toBe(users * jobsPerUser);

      // Long enough for a job reported one safety reconcile late to show as such, not as a timeout.
      await waitFor(
        () => promptIds.filter((id) => reportedAt.has(id)).length,
        (count) => count === promptIds.length,
        { timeoutMs: 25_000, intervalMs: 50 },
      );

      const gaps: { promptId: string; gapMs: number }[] = [];
      let finishedUntracked = 0;
      for (const promptId of promptIds) {
        const finished = await finishedAt(sim, promptId);
        if ((trackedAt.get(promptId) ?? 0) > finished) finishedUntracked++;
        gaps.push({ promptId, gapMs: (reportedAt.get(promptId) ?? Number.NaN) - finished });
      }
      // The race's precondition happened: jobs ComfyUI finished before the API began tracking them.
      expect(finishedUntracked).toBeGreaterThan(0);
      // The measurement itself: nothing is reported before ComfyUI recorded it finished.
      expect(gaps.filter(({ gapMs }) => !(gapMs >= 0))).toEqual([]);
      expect(gaps.filter(({ gapMs }) => gapMs >= reportedWithinMs)).toEqual([]);
    } finally {
      for (const off of unsubscribe) off();
    }
  }, 60_000);
});
