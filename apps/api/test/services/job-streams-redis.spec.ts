import type { ComfyQueueResponse } from '@atelier/contract';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JobEventLog } from '../../src/comfy/job-event-log.js';
import { JobTracker } from '../../src/comfy/job-tracker.js';
import { RedisJobStreams } from '../../src/comfy/redis-job-streams.js';
import { jobLogKey } from '../../src/comfy/redis-job-event-log.js';
import { followWithEventSource, samplerWorkflow, SseClient, waitFor, type SseEvent } from '../comfy-kit.js';
import type { TestApp, TestSession } from '../test-app.js';
import { testRedisUrl, twoReplicasWithSim, type TwoReplicas } from './redis-kit.js';

/**
 * Job streams across two replicas (two apps on one SQLite file and one real Redis, one simulator): the
 * replica that dispatched a job logs its events in the Redis stream `atelier:job:<promptId>`, and a
 * browser streams it from the other replica, resuming there or back with Last-Event-ID (ids are stream
 * ids). Redis database 11 is this spec's (flushed first).
 */
const redisUrl = testRedisUrl(11);

describe('job streams across replicas', () => {
  let a: TestApp;
  let b: TestApp;
  let redis: Redis;
  let user: TestSession;
  const clients: { close(): void }[] = [];

  let pair: TwoReplicas | undefined;

  beforeAll(async () => {
    pair = await twoReplicasWithSim(redisUrl, 20);
    ({ a, b, redis, user } = pair);
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
  });
  afterAll(() => pair?.close());

  /** Queued through A, which dispatches and follows the job. */
  async function queueOnA(steps: number): Promise<string> {
    const response = await a.request
      .post('/api/comfy/queue')
      .set(user.bearer)
      .send({ workflow: samplerWorkflow(steps) })
      .expect(201);
    return (response.body as ComfyQueueResponse).prompt_id;
  }

  async function stream(app: TestApp, promptId: string, headers: Record<string, string> = {}) {
    const client = await SseClient.open(`${app.url}/api/comfy/stream/${promptId}`, {
      Cookie: user.cookie,
      ...headers,
    });
    clients.push(client);
    return client;
  }

  /** The job's log in Redis after `id`: what a resuming client must get (previews are live only). */
  async function loggedAfter(promptId: string, id: string): Promise<string[]> {
    const entries = await redis.xrange(jobLogKey(promptId), `(${id}`, '+');
    return entries
      .map(([entryId, fields]) => `${entryId} ${fields[1]}`)
      .filter((line) => !line.endsWith(' preview'));
  }

  const lines = (events: SseEvent[]) =>
    events.filter((event) => event.event !== 'preview').map((event) => `${event.id} ${event.event}`);

  it('serves streams from the shared log on both replicas', () => {
    expect(a.nest.get(JobEventLog).shared).toBe(true);
    expect(b.nest.get(RedisJobStreams).enabled).toBe(true);
  });

  it('drops a finished log when its job is queued again under the same id, and only then', async () => {
    const log = a.nest.get(JobEventLog);
    const key = jobLogKey('resubmitted');
    log.append('resubmitted', 'status', { prompt_id: 'resubmitted', status: 'running' });
    log.restart('resubmitted');
    // Appends and restarts reach Redis in order: after this one has landed, so have the ones before.
    log.append('resubmitted', 'progress', { prompt_id: 'resubmitted', value: 1, max: 2 });
    await waitFor(
      () => redis.xlen(key),
      (length) => length === 2,
    );
    log.append('resubmitted', 'done', { prompt_id: 'resubmitted', status: 'succeeded' });
    expect(await redis.pttl(key)).toBeGreaterThan(0);
    log.restart('resubmitted');
    log.append('resubmitted', 'status', { prompt_id: 'resubmitted', status: 'queued' });
    await waitFor(
      () => redis.xrange(key, '-', '+'),
      (entries) => entries.length === 1,
    );
    expect((await redis.xrange(key, '-', '+'))[0]?.[1]).toEqual([
      'e',
      'status',
      'd',
      JSON.stringify({ prompt_id: 'resubmitted', status: 'queued' }),
    ]);
  });

  it('streams a job dispatched by A from B through EventSource, to done', async () => {
    const promptId = await queueOnA(20);
    const { source, received, done, ended } = followWithEventSource(
      `${b.url}/api/comfy/stream/${promptId}`,
      user.cookie,
    );
    clients.push(source);
    expect(await done).toEqual({ prompt_id: promptId, status: 'succeeded' });
    await ended;
    const names = received.map((event) => event.name);
    expect(names).toContain('progress');
    expect(names.at(-1)).toBe('status');
    expect(names.indexOf('images')).toBeGreaterThan(names.lastIndexOf('progress'));
    // Every id is a Redis stream id, valid on either replica.
    for (const { id } of received) expect(id).toMatch(/^\d+-\d+$/);
    // B never followed the job itself: it only read A's log.
    expect(b.nest.get(JobTracker).stats(promptId).jobs).toBe(0);
  });

  it('resumes on the other replica with exactly the events after Last-Event-ID, then done', async () => {
    const promptId = await queueOnA(60);
    const first = await stream(b, promptId);
    const seen = await first.until(
      (events) => events.filter((event) => event.event === 'progress').length >= 3,
    );
    first.close();
    const lastId = seen.at(-1)?.id ?? '';
    expect(lastId).toMatch(/^\d+-\d+$/);

    const resumed = await stream(a, promptId, { 'Last-Event-ID': lastId });
    expect(resumed.status).toBe(200);
    const events = await resumed.finished(20_000);
    expect(events.at(-1)?.event).toBe('done');
    expect(lines(events)).toEqual(await loggedAfter(promptId, lastId));
    expect(lines(events).some((line) => line.endsWith(' progress'))).toBe(true);

    // And back to B with the id of done: nothing left, 204 tells EventSource to stop.
    const caughtUp = await stream(b, promptId, { 'Last-Event-ID': events.at(-1)?.id ?? '' });
    expect(caughtUp.status).toBe(204);
    // A new subscriber of the finished job gets its final burst, from either replica.
    const late = await stream(b, promptId);
    expect((await late.finished()).map((event) => event.event)).toEqual(['images', 'status', 'done']);
  });

  it('adds a job to a read that is already waiting on another job', async () => {
    const running = await queueOnA(100);
    const behind = await queueOnA(5);
    // B's one XREAD waits on the job that is queued behind, which tells nothing while the first runs…
    const second = await stream(b, behind);
    await second.until((events) => events.some((event) => event.event === 'status'));
    // …and is interrupted for the running one: its progress arrives while it still runs.
    const first = await stream(b, running);
    await first.until((events) => events.some((event) => event.event === 'progress'));
    const { body } = await a.request.get(`/api/comfy/status/${running}`).set(user.bearer).expect(200);
    expect((body as { status: string }).status).toBe('running');
    expect((await first.finished(20_000)).at(-1)?.event).toBe('done');
    expect((await second.finished(20_000)).at(-1)?.event).toBe('done');
  });
});
