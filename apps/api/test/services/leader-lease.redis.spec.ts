import { startComfySim, type ComfySim } from '@atelier/comfy-sim';
import type { Redis } from 'ioredis';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaderLease } from '../../src/cluster/leader-lease.js';
import { ComfyPool } from '../../src/comfy/backends/comfy-pool.js';
import { REDIS_CONNECTIONS, type RedisConnections } from '../../src/redis/redis-connections.js';
import {
  comfyEnv,
  CountingProxy,
  presetFiles,
  quickWorkflow,
  samplerWorkflow,
  usersQueueGraphs,
  waitFor,
} from '../comfy-kit.js';
import { queueClient } from '../comfy-queue-kit.js';
import { createTestApp, type TestApp, type TestSession } from '../test-app.js';
import { redisClient, testRedisUrl } from './redis-kit.js';

/**
 * Two replicas (two apps in this process on one SQLite file) on one real Redis and one simulated
 * ComfyUI behind a relay that counts requests: one replica leads and posts every job, whichever replica
 * recorded it; when the leader closes the other takes over, finishes the job that was running and
 * posts the next ones; a leader cut off from Redis steps down. Redis databases 12 and 13 are this spec's
 * (flushed first).
 */
const redisUrl = testRedisUrl(12);

describe('one dispatcher across two replicas', () => {
  let sim: ComfySim;
  let proxy: CountingProxy;
  let redis: Redis;
  let rootDir: string;
  let a: TestApp;
  let b: TestApp;
  let aOpen = true;
  const replica = (id: string) =>
    createTestApp({
      rootDir,
      files: presetFiles,
      env: { ...comfyEnv(proxy.url, usersQueueGraphs), ATELIER_REDIS_URL: redisUrl, ATELIER_REPLICA_ID: id },
    });
  const posts = () => proxy.requests.filter((request) => request === 'POST /prompt').length;

  beforeAll(async () => {
    redis = redisClient(redisUrl);
    await redis.flushdb();
    sim = await startComfySim({ port: 0, stepMs: 5 });
    proxy = await CountingProxy.start(sim.port);
    // Neither app owns the folder: the leader closes first.
    rootDir = await mkdtemp(join(tmpdir(), 'atelier-lease-'));
    a = await replica('replica-a');
    b = await replica('replica-b');
  });
  afterAll(async () => {
    await b?.close();
    if (aOpen) await a?.close();
    await proxy?.close();
    await sim?.close();
    await redis?.quit();
    if (rootDir) await rm(rootDir, { recursive: true, force: true });
  });

  it('makes exactly one replica the leader (the first to boot), holding the lease key', async () => {
    expect(a.nest.get(LeaderLease).isLeader).toBe(true);
    expect(b.nest.get(LeaderLease).isLeader).toBe(false);
    expect(await redis.get('atelier:leader')).toMatch(/^replica-a:/);
  });

  it('opens a ComfyUI socket on the leader only, under the client id both replicas share; the follower probes over HTTP and calls the backend up, not degraded', async () => {
    const watched = (app: TestApp) => app.nest.get(ComfyPool).defaultBackend()?.watchdog.view();
    await waitFor(
      () => [watched(a), watched(b)],
      ([onA, onB]) => onA?.state === 'up' && onB?.state === 'up',
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    expect(watched(a)).toMatchObject({ socket: 'open', last_error: null });
    expect(watched(b)).toMatchObject({ socket: 'idle', last_error: null });
    const shared = await redis.get('atelier:comfy-client-id');
    expect(shared).toMatch(/^atelier-/);
    expect(a.nest.get(ComfyPool).clientId).toBe(shared);
    expect(b.nest.get(ComfyPool).clientId).toBe(shared);
  });

  it('posts the jobs recorded by the follower once each, from the leader, and they finish', async () => {
    const onB = queueClient(b);
    const user = await b.login('user', 'lease-user');
    const before = posts();
    const ids: string[] = [];
    for (let i = 0; i < 4; i += 1) ids.push(await onB.submitId(user, quickWorkflow(`atelier/lease-${i}`)));
    // The follower only records them.
    for (const id of ids) await onB.succeeded(user, id);
    expect(posts() - before).toBe(ids.length);
    // The simulator ran each once.
    for (const id of ids) expect(Object.keys(await simHistory(id))).toEqual([id]);
  });

  it("honours a pause and a resume made on the follower: the leader holds the paused owner's job while another's runs, then posts it once", async () => {
    const onB = queueClient(b);
    const pauser = await b.login('user', 'lease-pauser');
    const other = await b.login('user', 'lease-user');
    await onB.pause(pauser).expect(200);
    const before = posts();
    const held = await onB.submitId(pauser, quickWorkflow('atelier/lease-held'));
    // Recorded after it: once it has run, the leader has read the held job and the pause together.
    await onB.succeeded(other, await onB.submitId(other, quickWorkflow('atelier/lease-other')));
    expect(await onB.status(pauser, held)).toMatchObject({ status: 'waiting' });
    await onB.resume(pauser).expect(200);
    await onB.succeeded(pauser, held);
    expect(posts() - before).toBe(2);
  });

  it('hands the lease to the other replica within 5 s when the leader closes; the job it was running finishes there within 5 s (its socket shares the client id) and the next is posted once', async () => {
    const onB = queueClient(b);
    const user: TestSession = await b.login('user', 'lease-user');
    // Long enough (60 steps, about 4 s) to be still running when B takes over.
    sim.setStepMs(65);
    // Recorded on the leader with the session from B (one database, one signing secret).
    const running = await queueClient(a).submitId(user, samplerWorkflow(60));
    await waitFor(
      () => onB.status(user, running),
      (s) => s.status === 'running',
      { timeoutMs: 15_000 },
    );
    const leaseB = b.nest.get(LeaderLease);
    const closedAt = Date.now();
    await a.close();
    aOpen = false;
    await waitFor(
      () => leaseB.isLeader,
      (leading) => leading,
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    expect(Date.now() - closedAt).toBeLessThan(5_000);
    const ledAt = Date.now();

    // The new leader followed the running job from the ledger to its end, told by its socket (one client id
    // for the cluster), not by the 15 s reconcile.
    await onB.succeeded(user, running);
    expect(Date.now() - ledAt).toBeLessThan(5_000);
    // The new leader opened its socket on taking over.
    expect(b.nest.get(ComfyPool).defaultBackend()?.watchdog.view().socket).toBe('open');
    sim.setStepMs(5);
    const before = posts();
    const next = await onB.submitId(user, quickWorkflow('atelier/lease-after'));
    await onB.succeeded(user, next);
    expect(posts() - before).toBe(1);
    expect(Object.keys(await simHistory(running))).toEqual([running]);
  });

  async function simHistory(id: string): Promise<Record<string, unknown>> {
    const response = await fetch(`${sim.url}/history/${id}`);
    return (await response.json()) as Record<string, unknown>;
  }

  it('steps the leader down when it loses Redis, before its lease can expire; the other replica takes over and posts the jobs the cut-off one records, once', async () => {
    // Two fresh replicas on their own database, so this leader has not closed.
    const url = testRedisUrl(13);
    const clean = redisClient(url);
    await clean.flushdb();
    await clean.quit();
    const replicaOn = (id: string) =>
      createTestApp({
        rootDir,
        files: presetFiles,
        env: { ...comfyEnv(proxy.url, usersQueueGraphs), ATELIER_REDIS_URL: url, ATELIER_REPLICA_ID: id },
      });
    const c = await replicaOn('replica-c');
    const d = await replicaOn('replica-d');
    try {
      const [leaseC, leaseD] = [c.nest.get(LeaderLease), d.nest.get(LeaderLease)];
      expect([leaseC.isLeader, leaseD.isLeader]).toEqual([true, false]);
      const order: string[] = [];
      leaseC.onChange((leading) => order.push(`c ${leading ? 'leads' : 'steps down'}`));
      leaseD.onChange((leading) => order.push(`d ${leading ? 'leads' : 'steps down'}`));
      const cutAt = Date.now();
      // The leader's command connection dies for good (no reconnect): its renewals fail.
      c.nest.get<RedisConnections>(REDIS_CONNECTIONS).command.disconnect();
      await waitFor(
        () => leaseD.isLeader,
        (leading) => leading,
        { timeoutMs: 10_000, intervalMs: 20 },
      );
      // Never two leaders: C stepped down before its key expired and D could take it.
      expect(order).toEqual(['c steps down', 'd leads']);
      expect(Date.now() - cutAt).toBeLessThan(5_000);

      // Recorded on the cut-off replica, which no longer dispatches: the new leader posts it, once.
      const user = await c.login('user', 'lease-cut');
      const onC = queueClient(c);
      const before = posts();
      const id = await onC.submitId(user, quickWorkflow('atelier/lease-cut'));
      await onC.succeeded(user, id);
      expect(posts() - before).toBe(1);
    } finally {
      await d.close();
      await c.close();
    }
  });
});
