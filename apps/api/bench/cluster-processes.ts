/**
 * The `cluster` group's moving parts, as in production: Postgres and Redis (the test services of
 * scripts/cluster/cluster.sh, started here unless ATELIER_TEST_DATABASE_URL and ATELIER_TEST_REDIS_URL
 * name running ones), a scratch database per run, and API replicas as child processes of the built
 * server (`apps/api/dist/main.js`, which `pnpm bench` builds first).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { scratchDir } from './bench-kit.js';

const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));
const clusterScript = join(repoRoot, 'scripts/cluster/cluster.sh');
const apiMain = join(repoRoot, 'apps/api/dist/main.js');

export interface Services {
  databaseUrl: string;
  redisUrl: string;
  /** Stops what this bench started (nothing when it was given running services). */
  stop(): Promise<void>;
}

function run(command: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output}`)),
    );
  });
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (typeof address !== 'object' || address === null) throw new Error('no port');
  return address.port;
}

/** The given test services, or Postgres and Redis of the bench's own (own ports and folder, stopped after). */
export async function startServices(): Promise<Services> {
  const given = {
    databaseUrl: process.env.ATELIER_TEST_DATABASE_URL,
    redisUrl: process.env.ATELIER_TEST_REDIS_URL,
  };
  if (given.databaseUrl && given.redisUrl) {
    console.log('  (on the running services of ATELIER_TEST_DATABASE_URL and ATELIER_TEST_REDIS_URL)');
    return { databaseUrl: given.databaseUrl, redisUrl: given.redisUrl, stop: async () => {} };
  }
  const folder = await scratchDir('cluster-services');
  const env = {
    CLUSTER_DATA_DIR: folder.path,
    CLUSTER_PG_PORT: String(await freePort()),
    CLUSTER_REDIS_PORT: String(await freePort()),
  };
  console.log(`  (starting Postgres and Redis: cluster.sh services start --test, folder ${folder.path})`);
  const stop = async () => {
    await run('bash', [clusterScript, 'services', 'stop', '--test'], env);
    await folder.remove();
  };
  try {
    await run('bash', [clusterScript, 'services', 'start', '--test'], env);
    const lines = (await readFile(join(folder.path, 'env'), 'utf8')).split('\n');
    const value = (name: string) => lines.find((line) => line.startsWith(`${name}=`))?.slice(name.length + 1);
    const databaseUrl = value('ATELIER_TEST_DATABASE_URL');
    const redisUrl = value('ATELIER_TEST_REDIS_URL');
    if (!databaseUrl || !redisUrl) throw new Error(`no URLs in ${folder.path}/env`);
    return { databaseUrl, redisUrl, stop };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}

/** A new empty database on the services' Postgres; `drop()` removes it (closing what is still connected). */
export async function scratchDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `bench_cluster_${randomBytes(6).toString('hex')}`;
  const onServer = async (sql: string) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await onServer(`CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => onServer(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

/** One API replica: the built server in a process group of its own, on a free loopback port. */
export class Replica {
  private output = '';
  private readonly exited: Promise<void>;
  private done = false;

  private constructor(
    private readonly child: ChildProcess,
    readonly id: string,
    readonly url: string,
  ) {
    child.stdout?.on(
      'data',
      (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-8000)),
    );
    child.stderr?.on(
      'data',
      (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-8000)),
    );
    this.exited = new Promise((resolve) =>
      child.once('exit', () => {
        this.done = true;
        resolve();
      }),
    );
  }

  static async start(id: string, env: Record<string, string>): Promise<Replica> {
    const port = await freePort();
    const child = spawn(process.execPath, [apiMain], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env, PORT: String(port), ATELIER_REPLICA_ID: id },
    });
    const replica = new Replica(child, id, `http://127.0.0.1:${port}`);
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (replica.done) throw new Error(`replica ${id} ended at boot:\n${replica.output}`);
      const healthy = await fetch(`${replica.url}/api/health`).then(
        (response) => response.ok,
        () => false,
      );
      if (healthy) return replica;
      if (Date.now() > deadline) {
        await replica.stop();
        throw new Error(`replica ${id} did not answer /api/health:\n${replica.output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /**
   * CPU time its process has used so far, from Linux's /proc (NaN elsewhere): utime and stime, the 14th
   * and 15th fields, in clock ticks of 1/100 s (Linux's USER_HZ on every architecture Node runs on).
   */
  async cpuMs(): Promise<number> {
    if (this.child.pid === undefined) return Number.NaN;
    try {
      const stat = await readFile(`/proc/${this.child.pid}/stat`, 'utf8');
      // The command name may hold spaces: count the fields from its closing parenthesis (state is first).
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) * 10;
    } catch {
      return Number.NaN;
    }
  }

  /** SIGTERM to its group (a clean shutdown: the lease is released), SIGKILL if it lingers. */
  async stop(): Promise<void> {
    if (this.done || this.child.pid === undefined) return;
    process.kill(-this.child.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (!this.done && this.child.pid !== undefined) process.kill(-this.child.pid, 'SIGKILL');
    }, 15_000);
    await this.exited;
    clearTimeout(timer);
  }
}
