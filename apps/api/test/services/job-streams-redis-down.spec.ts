import type { ComfyQueueResponse } from '@atelier/contract';
import { startComfySim, type ComfySim } from '@atelier/comfy-sim';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comfyEnv, presetFiles, quickWorkflow, SseClient, usersQueueGraphs } from '../comfy-kit.js';
import { createTestApp, type TestApp, type TestSession } from '../test-app.js';
import { startOwnRedis } from './redis-kit.js';

/**
 * A replica whose Redis went away still answers job streams from what it knows (the ledger): the state
 * once, then the stream ends (EventSource reconnects after `retry`) — never a 5xx. A Redis of the test's
 * own, stopped mid-test.
 */
describe('job streams while Redis is down', () => {
  let sim: ComfySim;
  let app: TestApp;
  let user: TestSession;
  let redis: { url: string; stop: () => Promise<void> };
  let restart: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    redis = await startOwnRedis(['--maxmemory-policy', 'noeviction']);
    sim = await startComfySim({ port: 0, stepMs: 10 });
    app = await createTestApp({
      files: presetFiles,
      env: comfyEnv(sim.url, {
        ...usersQueueGraphs,
        ATELIER_REDIS_URL: redis.url,
        ATELIER_REPLICA_ID: 'alone',
      }),
    });
    user = await app.login('user');
  });
  afterAll(async () => {
    // Back on the same port first: the app's shutdown (background jobs) waits for Redis.
    if (restart) await restart();
    await app?.close();
    await sim?.close();
    await redis?.stop();
  });

  const stream = (promptId: string, headers: Record<string, string> = {}) =>
    SseClient.open(`${app.url}/api/comfy/stream/${promptId}`, { Cookie: user.cookie, ...headers });

  it('tells a finished job from the ledger, to done', async () => {
    const response = await app.request
      .post('/api/comfy/queue')
      .set(user.bearer)
      .send({ workflow: quickWorkflow() })
      .expect(201);
    const promptId = (response.body as ComfyQueueResponse).prompt_id;
    const live = await stream(promptId);
    const logged = await live.finished();
    expect(logged.at(-1)?.event).toBe('done');

    await redis.stop();
    restart = async () => {
      const again = await startOwnRedis(['--maxmemory-policy', 'noeviction'], new URL(redis.url).port);
      redis = again;
    };
    const resumes: Record<string, string>[] = [{}, { 'Last-Event-ID': logged.at(-3)?.id ?? '' }];
    for (const headers of resumes) {
      const client = await stream(promptId, headers);
      expect(client.status).toBe(200);
      const events = await client.finished();
      expect(events.map((event) => event.event)).toEqual(['images', 'status', 'done']);
      expect(events.at(-1)?.data).toEqual({ prompt_id: promptId, status: 'succeeded' });
    }
  });
});
