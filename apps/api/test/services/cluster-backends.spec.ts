import { startComfySim, type ComfySim } from '@atelier/comfy-sim';
import type { BackendListResponse } from '@atelier/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { samplerWorkflow, waitFor } from '../comfy-kit.js';
import { statusOver, submitOver, TestCluster, type Bearer } from './cluster-kit.js';

/**
 * The ComfyUI pool as the admin changes it on one replica process, seen by the others: a backend added
 * through the follower is listed by the leader and receives jobs from its dispatcher. Redis database 7 is
 * this spec's (flushed first).
 */
describe('backends added through a follower process', () => {
  let cluster: TestCluster;
  let second: ComfySim;
  let admin: Bearer;

  beforeAll(async () => {
    cluster = await TestCluster.start({ prefix: 'cluster_backends', redisDb: 7, stepMs: 20 });
    second = await startComfySim({ port: 0, stepMs: 20 });
    admin = await cluster.replica('a').adminBearer();
  });
  afterAll(async () => {
    await cluster?.close();
    await second?.close();
  });

  it('are listed up by the leader, whose dispatcher posts jobs to them', async () => {
    const leader = await cluster.waitForLeader();
    const follower = leader === 'a' ? 'b' : 'a';
    const url = (id: string) => cluster.replica(id).url;
    const added = await fetch(`${url(follower)}/api/admin/backends`, {
      method: 'POST',
      headers: { ...admin, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'sim-2', url: second.url }),
    });
    expect(added.status).toBe(201);

    const listed = await waitFor(
      async () => {
        const response = await fetch(`${url(leader)}/api/admin/backends`, { headers: admin });
        return ((await response.json()) as BackendListResponse).items;
      },
      (items) => items.length === 2 && items.every((backend) => backend.state === 'up'),
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    expect(listed.map((backend) => backend.name)).toContain('sim-2');

    // Recorded at once, about 0.7 s each: the leader finds two idle backends and uses both.
    const ids = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        submitOver(url(follower), admin, samplerWorkflow(30, `spread ${i}`)),
      ),
    );
    for (const id of ids)
      await waitFor(
        () => statusOver(url(follower), admin, id),
        (status) => status.status === 'succeeded',
        { timeoutMs: 30_000, intervalMs: 50 },
      );
    expect(second.postedPromptIds().length).toBeGreaterThan(0);
    expect(cluster.sim.postedPromptIds().length + second.postedPromptIds().length).toBe(ids.length);
  });
});
