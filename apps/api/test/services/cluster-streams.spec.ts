import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplerWorkflow, SseClient, waitFor, type SseEvent } from '../comfy-kit.js';
import { statusOver, submitOver, TestCluster, type Bearer } from './cluster-kit.js';

/**
 * Two replicas as real processes (the built server) on one Postgres database and one Redis, one simulated
 * ComfyUI: a job recorded through one replica streams to a client of the other, and when the leader is
 * killed (SIGKILL) mid-job the other takes the lease within 5 s, finishes the job and ends its stream
 * with `done`. Redis database 4 is this spec's (flushed first).
 */
describe('job streams across replica processes', () => {
  let cluster: TestCluster;
  let leader: string;
  let follower: string;
  let admin: Bearer;
  const streams: SseClient[] = [];
  const url = (id: string) => cluster.replica(id).url;
  const streamOn = async (id: string, promptId: string) => {
    const stream = await SseClient.open(`${url(id)}/api/comfy/stream/${promptId}`, admin);
    streams.push(stream);
    expect(stream.status).toBe(200);
    return stream;
  };
  const progressOf = (events: SseEvent[]) => events.filter((event) => event.event === 'progress');

  beforeAll(async () => {
    cluster = await TestCluster.start({ prefix: 'cluster_streams', redisDb: 4, stepMs: 40 });
    leader = await cluster.waitForLeader();
    follower = leader === 'a' ? 'b' : 'a';
    // One session for both: one database of sessions, one signing secret.
    admin = await cluster.replica(follower).adminBearer();
  });
  afterAll(async () => {
    for (const stream of streams) stream.close();
    await cluster?.close();
  });

  it('streams a job submitted through replica A to a client of replica B: progress, then done', async () => {
    const promptId = await submitOver(url('a'), admin, samplerWorkflow(12, 'across replicas'));
    const stream = await streamOn('b', promptId);
    const events = await stream.finished(30_000);

    expect(progressOf(events).length).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({
      event: 'done',
      data: { prompt_id: promptId, status: 'succeeded' },
    });
    expect(events.findIndex((event) => event.event === 'progress')).toBeLessThan(events.length - 1);
    // Ids from the job's Redis log (`<ms>-<seq>`), valid on every replica for a Last-Event-ID resume.
    for (const event of events) expect(event.id).toMatch(/^\d+-\d+$/);
    expect(await statusOver(url('a'), admin, promptId)).toMatchObject({ status: 'succeeded' });
    expect(cluster.sim.postedCount(promptId)).toBe(1);
  });

  it("finishes a job whose leader is killed mid-run: the other replica takes the lease within 5 s, its client's stream ends with done, the ledger says succeeded", async () => {
    // About 5 s of sampling: still running when the lease changes hands.
    const promptId = await submitOver(url(leader), admin, samplerWorkflow(120, 'leader killed'));
    const stream = await streamOn(follower, promptId);
    await stream.until((events) => progressOf(events).length > 0, 20_000);

    const killedAt = Date.now();
    await cluster.kill(leader);
    await waitFor(
      () => cluster.leader(),
      (id) => id === follower,
      { timeoutMs: 10_000, intervalMs: 20 },
    );
    // The functional bound for a takeover (a killed leader's key expires, the follower acquires it).
    expect(Date.now() - killedAt).toBeLessThanOrEqual(5_000);

    const events = await stream.finished(30_000);
    expect(events.at(-1)).toMatchObject({
      event: 'done',
      data: { prompt_id: promptId, status: 'succeeded' },
    });
    expect(await statusOver(url(follower), admin, promptId)).toMatchObject({ status: 'succeeded' });
    // The new leader followed the job it found running; it did not post it again.
    expect(cluster.sim.postedCount(promptId)).toBe(1);
  });
});
