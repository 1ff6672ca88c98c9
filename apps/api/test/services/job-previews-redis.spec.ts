import type { ComfyPreviewEvent, ComfyQueueResponse } from '@atelier/contract';
import type { ComfySim } from '@atelier/comfy-sim';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { JobPreviews } from '../../src/comfy/job-previews.js';
import { previewKey } from '../../src/comfy/shared-previews.js';
import { samplerWorkflow, SseClient } from '../comfy-kit.js';
import type { TestApp, TestSession } from '../test-app.js';
import { testRedisUrl, twoReplicasWithSim, type TwoReplicas } from './redis-kit.js';

/**
 * Previews across two replicas (two apps on one SQLite file, one Redis, one simulator): A follows the job
 * and keeps its previews; the stream on B names their URLs (from the job's Redis log), and B serves them
 * from Redis, where A keeps the latest ones. Redis database 15 is this spec's (flushed first).
 */
const redisUrl = testRedisUrl(15);

describe('job previews across replicas', () => {
  let sim: ComfySim;
  let a: TestApp;
  let b: TestApp;
  let redis: Redis;
  let user: TestSession;
  const clients: { close(): void }[] = [];

  let pair: TwoReplicas | undefined;

  beforeAll(async () => {
    pair = await twoReplicasWithSim(redisUrl, 40);
    ({ sim, a, b, redis, user } = pair);
  });
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
    sim.setStepMs(40);
  });
  afterAll(() => pair?.close());

  const previewsOf = (client: SseClient) =>
    client.events
      .filter((event) => event.event === 'preview')
      .map((event) => event.data as ComfyPreviewEvent);

  it("serves on B the preview URLs of B's stream while A runs the job, and the last one after it", async () => {
    // Queued through A, which dispatches and follows the job (its previews are in A's memory).
    const queued = await a.request
      .post('/api/comfy/queue')
      .set(user.bearer)
      .send({ workflow: samplerWorkflow(40) })
      .expect(201);
    const promptId = (queued.body as ComfyQueueResponse).prompt_id;
    const client = await SseClient.open(`${b.url}/api/comfy/stream/${promptId}`, { Cookie: user.cookie });
    clients.push(client);
    await client.until((events) => events.some((event) => event.event === 'preview'));
    // Holds the run where it is: the job is running on A while B is asked.
    sim.setStepMs(60_000);

    const running = previewsOf(client).at(-1)!;
    const onB = await b.request.get(running.url).set(user.bearer).expect(200);
    expect(onB.headers['content-type']).toBe(running.mime);
    const onA = await a.request.get(running.url).set(user.bearer).expect(200);
    expect(Buffer.compare(onB.body as Buffer, onA.body as Buffer)).toBe(0);
    expect((onB.body as Buffer).length).toBeGreaterThan(0);
    // B never held them itself: they came from Redis.
    expect(b.nest.get(JobPreviews).stats().jobs).toBe(0);
    expect(await redis.exists(previewKey(promptId))).toBe(1);

    // B's metrics count the stream it serves from the job's Redis log.
    const admin = await a.login('admin');
    const metrics = await b.request.get('/metrics').set(admin.bearer).expect(200);
    expect(metrics.text).toMatch(/^atelier_sse_subscribers 1$/m);

    // Someone else's job answers 404 on B too, as on A.
    const other = await a.login('user', 'someone-else');
    const refused = await b.request.get(running.url).set(other.bearer).expect(404);
    expect(refused.body.code).toBe('not_found');

    sim.setStepMs(1);
    await client.until((events) => events.some((event) => event.event === 'done'));
    const last = previewsOf(client).at(-1)!;
    const after = await b.request.get(last.url).set(user.bearer).expect(200);
    expect(after.headers['content-type']).toBe(last.mime);
  });
});
