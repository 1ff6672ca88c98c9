import { Redis } from 'ioredis';
import pg from 'pg';
import type { BenchCluster } from './cluster-setup.js';

/** What the shared engines did, cumulative: read before and after a batch, the difference is its cost. */
export interface EngineCounters {
  /** Rows inserted, updated and deleted in the replicas' database (pg_stat_user_tables). */
  pgRowWrites: number;
  /** Transactions committed in that database (pg_stat_database), writes and reads alike. */
  pgCommits: number;
  /** Commands the Redis server ran (INFO stats; the whole server: the bench is its only client). */
  redisCommands: number;
  /** CPU time of each replica's process, in the cluster's order (the first leads: it boots first). */
  replicaCpuMs: number[];
}

/**
 * Postgres reports a backend's statistics when it goes idle, at most once a second: the read waits
 * that long first, so the batch's last writes are in.
 */
export async function engineCounters(cluster: BenchCluster): Promise<EngineCounters> {
  await new Promise((resolve) => setTimeout(resolve, 1500));
  const client = new pg.Client({ connectionString: cluster.databaseUrl });
  const redis = new Redis(cluster.redisUrl, { maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    const writes = await client.query<{ n: string }>(
      `SELECT coalesce(sum("n_tup_ins" + "n_tup_upd" + "n_tup_del"), 0) AS "n" FROM "pg_stat_user_tables"`,
    );
    const commits = await client.query<{ n: string }>(
      `SELECT "xact_commit" AS "n" FROM "pg_stat_database" WHERE "datname" = current_database()`,
    );
    const stats = await redis.info('stats');
    const commands = /total_commands_processed:(\d+)/.exec(stats)?.[1];
    return {
      pgRowWrites: Number(writes.rows[0]?.n ?? Number.NaN),
      pgCommits: Number(commits.rows[0]?.n ?? Number.NaN),
      redisCommands: Number(commands ?? Number.NaN),
      replicaCpuMs: await Promise.all(cluster.replicas.map((replica) => replica.cpuMs())),
    };
  } finally {
    await client.end();
    redis.disconnect();
  }
}

/** Per job, between two readings. */
export function perJob(before: EngineCounters, after: EngineCounters, jobs: number): EngineCounters {
  return {
    pgRowWrites: (after.pgRowWrites - before.pgRowWrites) / jobs,
    pgCommits: (after.pgCommits - before.pgCommits) / jobs,
    redisCommands: (after.redisCommands - before.redisCommands) / jobs,
    replicaCpuMs: after.replicaCpuMs.map((ms, i) => (ms - (before.replicaCpuMs[i] ?? Number.NaN)) / jobs),
  };
}
