import { startComfySim, type ComfySim } from '@atelier/comfy-sim';
import type { ComfyStatusResponse } from '@atelier/contract';
import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { comfyEnv, usersQueueGraphs, waitFor } from '../comfy-kit.js';
import { ApiProcess } from '../faults/api-process.js';
import { redisClient, testRedisUrl } from './redis-kit.js';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database.js';

export type Bearer = { Authorization: string };

export interface ClusterOptions {
  /** Names the scratch database (`<prefix>_<random>`). */
  prefix: string;
  /** The Redis logical database of this spec (flushed first): its lease, events and limits alone. */
  redisDb: number;
  /** The simulator's step time. */
  stepMs: number;
  /** Replica ids, started in this order (the first boots alone: it runs the migrations, and leads). */
  replicas?: readonly string[];
  /** Extra environment of every replica (limits, timings). */
  env?: Record<string, string>;
}

/**
 * Real replicas: the built server (`apps/api/dist/main.js`) as child processes, each on the same scratch
 * Postgres database, the same Redis database, the same signing secret and the same root folder (the
 * shared mount), with one simulator as the ComfyUI pool. `kill(id)` is a SIGKILL; `start(id)` boots the
 * replica again. Close it in `afterAll`.
 */
export class TestCluster {
  readonly replicas = new Map<string, ApiProcess>();

  private constructor(
    readonly sim: ComfySim,
    readonly database: ScratchDatabase,
    readonly redis: Redis,
    readonly rootDir: string,
    private readonly env: Record<string, string>,
  ) {}

  static async start(options: ClusterOptions): Promise<TestCluster> {
    const redisUrl = testRedisUrl(options.redisDb);
    const redis = redisClient(redisUrl);
    await redis.flushdb();
    const database = await createScratchDatabase(options.prefix);
    const sim = await startComfySim({ port: 0, stepMs: options.stepMs });
    const rootDir = await mkdtemp(join(tmpdir(), 'atelier-cluster-'));
    const env = comfyEnv(sim.url, {
      ...usersQueueGraphs,
      ATELIER_DATABASE_URL: database.url,
      ATELIER_REDIS_URL: redisUrl,
      ATELIER_JWT_SECRET: randomBytes(32).toString('hex'),
      ...options.env,
    });
    const cluster = new TestCluster(sim, database, redis, rootDir, env);
    try {
      for (const id of options.replicas ?? ['a', 'b']) await cluster.start(id);
    } catch (error) {
      await cluster.close();
      throw error;
    }
    return cluster;
  }

  /** Boots replica `id` (again) and waits until it serves /api/health. */
  async start(id: string): Promise<ApiProcess> {
    const replica = await ApiProcess.start({
      rootDir: this.rootDir,
      env: { ...this.env, ATELIER_REPLICA_ID: id },
    });
    this.replicas.set(id, replica);
    return replica;
  }

  replica(id: string): ApiProcess {
    const replica = this.replicas.get(id);
    if (!replica) throw new Error(`no replica ${id}`);
    return replica;
  }

  /** SIGKILL: no shutdown hook runs, the lease is left to expire. */
  async kill(id: string): Promise<void> {
    await this.replica(id).kill('SIGKILL');
    this.replicas.delete(id);
  }

  /** The replica holding the dispatcher's lease (the Redis key's token starts with its id), or null. */
  async leader(): Promise<string | null> {
    const token = await this.redis.get('atelier:leader');
    // The lease's token is `<replica id>:<uuid>` (redis-leader-lease.ts); our ids hold no colon.
    return token === null ? null : (token.split(':')[0] ?? null);
  }

  /** Waits for a leader among the running replicas. */
  async waitForLeader(timeoutMs = 15_000): Promise<string> {
    const leader = await waitFor(
      () => this.leader(),
      (id) => id !== null && this.replicas.has(id),
      { timeoutMs, intervalMs: 50 },
    );
    return leader!;
  }

  async close(): Promise<void> {
    await Promise.all([...this.replicas.values()].map((replica) => replica.kill('SIGKILL')));
    this.replicas.clear();
    await this.sim.close();
    await this.redis.quit();
    await this.database.drop();
    await rm(this.rootDir, { recursive: true, force: true });
  }
}

/** POST /api/comfy/queue on `url` with a raw graph: the prompt id (201 expected). */
export async function submitOver(
  url: string,
  bearer: Bearer,
  workflow: Record<string, unknown>,
): Promise<string> {
  const response = await fetch(`${url}/api/comfy/queue`, {
    method: 'POST',
    headers: { ...bearer, 'Content-Type': 'application/json' },
    body: JSON.stringify({ workflow }),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`queue answered ${response.status}: ${text}`);
  return (JSON.parse(text) as { prompt_id: string }).prompt_id;
}

/** GET /api/comfy/status/:id on `url`. */
export async function statusOver(
  url: string,
  bearer: Bearer,
  promptId: string,
): Promise<ComfyStatusResponse> {
  const response = await fetch(`${url}/api/comfy/status/${promptId}`, { headers: bearer });
  if (response.status !== 200)
    throw new Error(`status answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as ComfyStatusResponse;
}

/** Whether a job's run is over (any status past waiting, queued and running). */
export function isFinished(status: ComfyStatusResponse['status']): boolean {
  return !['waiting', 'queued', 'running'].includes(status);
}
