import type { ComfyQueueResponse, ComfyStatusResponse } from '@atelier/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { JobTracker } from '../src/comfy/job-tracker.js';
import { StreamHub } from '../src/comfy/stream-hub.js';
import {
  followWithEventSource,
  quickWorkflow,
  samplerWorkflow,
  SseClient,
  startComfyHarness,
  waitFor,
  type ComfyHarness,
  type SseEvent,
  usersQueueGraphs,
} from './comfy-kit.js';
import type { TestApp, TestSession } from './test-app.js';

let harness: ComfyHarness | undefined;
const clients: { close(): void }[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await harness?.close();
  harness = undefined;
});

async function setUp(options: Parameters<typeof startComfyHarness>[0] = {}) {
  harness = await startComfyHarness({ ...options, env: { ...usersQueueGraphs, ...options.env } });
  const user = await harness.app.login('user');
  return { app: harness.app, sim: harness.sim, user };
}

async function queue(app: TestApp, session: TestSession, workflow: Record<string, unknown>): Promise<string> {
  const response = await app.request
    .post('/api/comfy/queue')
    .set(session.bearer)
    .send({ workflow })
    .expect(201);
  return (response.body as ComfyQueueResponse).prompt_id;
}

async function stream(
  app: TestApp,
  session: TestSession,
  promptId: string,
  headers: Record<string, string> = {},
) {
  const client = await SseClient.open(`${app.url}/api/comfy/stream/${promptId}`, {
    Cookie: session.cookie,
    ...headers,
  });
  clients.push(client);
  return client;
}

function seqOf(event: SseEvent): number {
  return Number(event.id?.split(':')[1]);
}

async function statusOf(app: TestApp, session: TestSession, promptId: string): Promise<ComfyStatusResponse> {
  return (await app.request.get(`/api/comfy/status/${promptId}`).set(session.bearer))
    .body as ComfyStatusResponse;
}

describe('GET /api/comfy/stream/:promptId', () => {
  it('sends the job’s events in order, each with an id, and ends after done', async () => {
    const { app, user } = await setUp({ sim: { stepMs: 15 } });
    const promptId = await queue(app, user, samplerWorkflow(6));
    const client = await stream(app, user, promptId);
    expect(client.status).toBe(200);
    expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(client.headers['cache-control']).toMatch(/no-cache/);
    expect(client.headers['x-accel-buffering']).toBe('no');

    const events = await client.finished();
    const names = client.names();
    expect(names[0]).toBe('status');
    expect(names.slice(-3)).toEqual(['images', 'status', 'done']);
    expect(names).toContain('progress');
    expect(names).toContain('preview');
    const seqs = events.map(seqOf);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(events.map((event) => event.id)).size).toBe(events.length);

    const progress = events.filter((event) => event.event === 'progress').map((event) => event.data);
    expect(progress.at(-1)).toEqual({ prompt_id: promptId, value: 6, max: 6, node: '3' });
    // A preview names where its bytes are (GET …/preview, comfy-previews.api.spec), it does not carry them.
    const preview = events.find((event) => event.event === 'preview')?.data as { url: string };
    expect(preview.url).toMatch(new RegExp(`^/api/comfy/jobs/${promptId}/preview\\?seq=\\d+$`));
    expect(events.at(-2)?.data).toMatchObject({
      prompt_id: promptId,
      status: 'succeeded',
      images: [{ type: 'output' }],
    });
    expect(events.at(-1)?.data).toEqual({ prompt_id: promptId, status: 'succeeded' });
  });

  it('reports a failure with an error event before done', async () => {
    const { app, user } = await setUp();
    const promptId = await queue(app, user, samplerWorkflow(1, 'SIM_FAIL'));
    const client = await stream(app, user, promptId);
    await client.finished();
    expect(client.names().slice(-3)).toEqual(['error', 'status', 'done']);
    expect(client.events.at(-3)?.data).toMatchObject({
      exception_type: 'RuntimeError',
      node_type: 'CLIPTextEncode',
    });
    expect(client.events.at(-1)?.data).toEqual({ prompt_id: promptId, status: 'failed' });
  });

  it('resumes from Last-Event-ID with only the missed events', async () => {
    const { app, user } = await setUp({ sim: { stepMs: 15 } });
    const promptId = await queue(app, user, samplerWorkflow(8));
    const first = await stream(app, user, promptId);
    await first.until((events) => events.filter((event) => event.event === 'progress').length >= 2);
    first.close();
    const seen = first.events.filter((event) => event.event !== 'preview');
    const lastSeen = seen.at(-1);

    const resumed = await stream(app, user, promptId, { 'Last-Event-ID': lastSeen?.id ?? '' });
    const missed = (await resumed.finished()).filter((event) => event.event !== 'preview');
    expect(missed.length).toBeGreaterThan(0);
    expect(missed.every((event) => seqOf(event) > seqOf(lastSeen!))).toBe(true);
    expect(missed.at(-1)?.event).toBe('done');

    // Everything, from the start, is the same log the resumed client continued.
    const full = (
      await (
        await stream(app, user, promptId, { 'Last-Event-ID': `${lastSeen?.id?.split(':')[0]}:0` })
      ).finished()
    ).filter((event) => event.event !== 'preview');
    expect(full.map((event) => event.id)).toEqual([...seen, ...missed].map((event) => event.id));

    // Caught up with a finished job: 204 tells EventSource to stop reconnecting.
    const caughtUp = await stream(app, user, promptId, { 'Last-Event-ID': missed.at(-1)?.id ?? '' });
    expect(caughtUp.status).toBe(204);
    // An id from another log (e.g. before a restart) gets the current state instead.
    const foreign = await stream(app, user, promptId, { 'Last-Event-ID': 'zzzz:3' });
    expect((await foreign.finished()).map((event) => event.event)).toEqual(['images', 'status', 'done']);
  });

  it('gives a late subscriber the current state first', async () => {
    const { app, user } = await setUp({ sim: { stepMs: 15 } });
    const promptId = await queue(app, user, samplerWorkflow(60));
    await waitFor(
      () => statusOf(app, user, promptId),
      (s) => (s.progress?.value ?? 0) >= 2,
    );
    const late = await stream(app, user, promptId);
    const [first] = await late.until((events) => events.length > 0);
    expect(first?.event).toBe('status');
    expect(first?.data).toMatchObject({ prompt_id: promptId, status: 'running', progress: { max: 60 } });
    await late.finished();
    expect(late.names().at(-1)).toBe('done');

    const afterwards = await stream(app, user, promptId);
    const replay = await afterwards.finished();
    expect(replay.map((event) => event.event)).toEqual(['images', 'status', 'done']);
    expect(new Set(replay.map((event) => event.id)).size).toBe(1);
  });

  it('works with the auth cookie through EventSource and hides other users’ jobs', async () => {
    const { app, user } = await setUp();
    const promptId = await queue(app, user, samplerWorkflow(20));
    const { source, received, done, ended } = followWithEventSource(
      `${app.url}/api/comfy/stream/${promptId}`,
      user.cookie,
    );
    clients.push(source);
    expect(await done).toEqual({ prompt_id: promptId, status: 'succeeded' });
    await ended;
    expect(received.map((event) => event.name)).toContain('progress');

    const other = await app.login('user', 'someone-else');
    const hidden = await stream(app, other, promptId);
    expect(hidden.status).toBe(404);
    const curator = await app.login('curator');
    const allowed = await stream(app, curator, promptId);
    expect(allowed.status).toBe(200);
    const anonymous = await SseClient.open(`${app.url}/api/comfy/stream/${promptId}`, {});
    clients.push(anonymous);
    expect(anonymous.status).toBe(401);
  });

  it('shares one upstream between many subscribers of a job', async () => {
    const { app, user } = await setUp({ sim: { stepMs: 15 } });
    const promptId = await queue(app, user, samplerWorkflow(30));
    const subscribers = await Promise.all(Array.from({ length: 25 }, () => stream(app, user, promptId)));
    // The tracker follows the job once; the stream hub fans its events out.
    const tracker = app.nest.get(JobTracker);
    const streams = app.nest.get(StreamHub);
    const stats = () => ({ ...tracker.stats(promptId), ...streams.stats(promptId) });
    await waitFor(stats, (counts) => counts.subscribers === 25);
    expect(stats()).toEqual({ jobs: 1, upstreams: 1, subscribers: 25 });

    const logs = await Promise.all(subscribers.map((client) => client.finished()));
    const doneIds = logs.map((events) => events.at(-1)?.id);
    expect(new Set(doneIds).size).toBe(1);
    expect(logs.every((events) => events.at(-1)?.event === 'done')).toBe(true);
    expect(stats()).toMatchObject({ upstreams: 0, subscribers: 0 });
  });

  it('falls back to polling with a warning when the socket drops mid-job, and still ends with done', async () => {
    const { app, sim, user } = await setUp({ sim: { stepMs: 20 } });
    const promptId = await queue(app, user, samplerWorkflow(40));
    const client = await stream(app, user, promptId);
    await client.until((events) => events.some((event) => event.event === 'progress'));

    sim.setFaults({ rejectWebSocket: true });
    sim.dropSockets();
    await client.until((events) => events.some((event) => event.event === 'warning'));
    const events = await client.finished();
    const warning = events.find((event) => event.event === 'warning');
    expect(warning?.data).toMatchObject({ prompt_id: promptId, code: 'comfy.socket_down' });
    expect(events.at(-1)).toMatchObject({ event: 'done', data: { status: 'succeeded' } });
    expect(events.at(-3)?.event).toBe('images');
  });

  it('keeps quiet streams alive with heartbeats', async () => {
    const { app, user } = await setUp({ env: { ATELIER_COMFY_SSE_HEARTBEAT_MS: '40' }, sim: { stepMs: 30 } });
    const blocker = await queue(app, user, samplerWorkflow(30));
    const waiting = await queue(app, user, quickWorkflow());
    const client = await stream(app, user, waiting);
    await waitFor(
      () => client.comments,
      (count) => count >= 3,
    );
    expect(client.events[0]?.data).toMatchObject({ status: 'queued', queue_position: 0 });
    await app.request.post(`/api/comfy/cancel/${blocker}`).set(user.bearer).expect(200);
    await client.finished();
  });

  it('ends streams with a warning when an admin switches the integration off', async () => {
    const { app, user } = await setUp({ sim: { stepMs: 20 } });
    const admin = await app.login('admin');
    const promptId = await queue(app, user, samplerWorkflow(100));
    const client = await stream(app, user, promptId);
    await client.until((events) => events.length > 0);
    await app.request.patch('/api/admin/config').set(admin.bearer).send({ comfy_enabled: false }).expect(200);
    const events = await client.finished();
    expect(events.at(-1)).toMatchObject({ event: 'warning', data: { code: 'comfy.disabled' } });
    const refused = await stream(app, user, promptId);
    expect(refused.status).toBe(503);
  });
});
