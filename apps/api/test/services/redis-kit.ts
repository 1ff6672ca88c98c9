import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { startComfySim, type ComfySim } from '@atelier/comfy-sim';
import { Redis } from 'ioredis';
import { comfyEnv, presetFiles, usersQueueGraphs } from '../comfy-kit.js';
import { createTestApp, type TestApp, type TestSession } from '../test-app.js';

/**
 * ATELIER_TEST_REDIS_URL pointed at logical database `db`, or an error that says how to get one (these
 * tests never skip). Each spec takes its own database number, so its keys (rate limits) and, through
 * the channel name, its events never meet another spec's.
 */
export function testRedisUrl(db: number): string {
  const url = process.env['ATELIER_TEST_REDIS_URL'];
  if (!url) {
    throw new Error(
      'ATELIER_TEST_REDIS_URL is not set: start the test services with `bash scripts/cluster/cluster.sh ' +
        'services start --test` and load `.cluster/test/env` (`set -a; . .cluster/test/env; set +a`); ' +
        'scripts/test-all.sh does both',
    );
  }
  const parsed = new URL(url);
  parsed.pathname = `/${db}`;
  return parsed.toString();
}

/** A plain client for a test's own checks and clean-up; `quit()` it. */
export function redisClient(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1 });
}

/**
 * A redis-server of the test's own on a free loopback port (for settings the shared one must not have),
 * started with `args`; `stop()` kills it. Uses the `redis-server` the test services installed.
 */
export async function startOwnRedis(
  args: string[],
  /** A port to use again (a Redis brought back where a stopped one was); a free one by default. */
  samePort?: string,
): Promise<{ url: string; stop: () => Promise<void> }> {
  const port = samePort ?? (await freePort());
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args],
    { stdio: 'ignore' },
  );
  const exited = once(child, 'exit');
  const url = `redis://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  // Queued until the server listens (retried every 50 ms); a server that dies at start ends the wait.
  const probe = new Redis(url, { retryStrategy: () => 50, maxRetriesPerRequest: null });
  probe.on('error', () => {});
  const died = exited.then(() => {
    throw new Error(`redis-server on port ${port} exited at start`);
  });
  died.catch(() => {}); // Also settles when stop() ends it later.
  try {
    await Promise.race([probe.ping(), died]);
  } catch (error) {
    await stop();
    throw error;
  } finally {
    probe.disconnect();
  }
  return { url, stop };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('No port');
  return address.port;
}

/** The scale-out pair: two apps on one SQLite file (A's folder) and one Redis database, one simulator. */
export interface TwoReplicas {
  sim: ComfySim;
  a: TestApp;
  b: TestApp;
  /** A client of the same Redis database, flushed before the apps started. */
  redis: Redis;
  /** A plain user, signed in on A (the session is valid on both). */
  user: TestSession;
  close(): Promise<void>;
}

export async function twoReplicasWithSim(redisUrl: string, stepMs: number): Promise<TwoReplicas> {
  const redis = redisClient(redisUrl);
  await redis.flushdb();
  const sim = await startComfySim({ port: 0, stepMs });
  const replica = (id: string, rootDir?: string) =>
    createTestApp({
      files: presetFiles,
      env: comfyEnv(sim.url, { ...usersQueueGraphs, ATELIER_REDIS_URL: redisUrl, ATELIER_REPLICA_ID: id }),
      ...(rootDir ? { rootDir } : {}),
    });
  const a = await replica('replica-a');
  const b = await replica('replica-b', a.rootDir);
  return {
    sim,
    a,
    b,
    redis,
    user: await a.login('user'),
    async close() {
      // B first: A owns the folder and deletes it.
      await b.close();
      await a.close();
      await sim.close();
      await redis.quit();
    },
  };
}
