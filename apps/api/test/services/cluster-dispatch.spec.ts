import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplerWorkflow, waitFor } from '../comfy-kit.js';
import { isFinished, statusOver, submitOver, TestCluster, type Bearer } from './cluster-kit.js';

/**
 * The dispatcher across replica processes: 20 jobs recorded through both replicas, the leader killed
 * (SIGKILL) while they run and then started again; the simulator's own post counter shows every prompt
 * id posted exactly once, and every job ends succeeded. Redis database 5 is this spec's (flushed first).
 */
describe('one dispatcher across replica processes, its leader killed midway', () => {
  let cluster: TestCluster;
  let admin: Bearer;

  beforeAll(async () => {
    cluster = await TestCluster.start({ prefix: 'cluster_dispatch', redisDb: 5, stepMs: 30 });
    admin = await cluster.replica('a').adminBearer();
  });
  afterAll(async () => {
    await cluster?.close();
  });

  it('posts each of 20 jobs queued across both replicas exactly once, and all succeed', async () => {
    const leader = await cluster.waitForLeader();
    const follower = leader === 'a' ? 'b' : 'a';
    const url = (id: string) => cluster.replica(id).url;
    // Recorded at once, alternately on each replica; each a sampler run of its own (no cached outputs).
    const ids = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        submitOver(url(i % 2 === 0 ? 'a' : 'b'), admin, samplerWorkflow(8, `cluster job ${i}`)),
      ),
    );
    expect(new Set(ids).size).toBe(20);
    const statuses = () => Promise.all(ids.map((id) => statusOver(url(follower), admin, id)));

    // Midway: some done, the rest waiting, queued on the simulator or running there.
    await waitFor(statuses, (all) => all.filter((s) => s.status === 'succeeded').length >= 5, {
      timeoutMs: 30_000,
      intervalMs: 50,
    });
    await cluster.kill(leader);
    const unfinishedAtKill = (await statuses()).filter((s) => !isFinished(s.status)).length;
    expect(unfinishedAtKill).toBeGreaterThan(0);
    await waitFor(
      () => cluster.leader(),
      (id) => id === follower,
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    // The killed replica comes back as a follower while the new leader works through the rest.
    await cluster.start(leader);

    const finished = await waitFor(statuses, (all) => all.every((s) => isFinished(s.status)), {
      timeoutMs: 45_000,
      intervalMs: 100,
    });
    expect(finished.map((s) => s.status)).toEqual(ids.map(() => 'succeeded'));
    for (const id of ids) expect(cluster.sim.postedCount(id)).toBe(1);
    // Nothing else was posted either (no warm-up prompts: comfyEnv switches them off).
    expect(cluster.sim.postedPromptIds().sort()).toEqual([...ids].sort());
    expect(await cluster.leader()).toBe(follower);
  });
});
