import pg from 'pg';
import { LeaderLease } from './leader-lease.js';

/** A boot stopped because another Atelier already runs on the database: main.ts prints one line. */
export class ClusterBootError extends Error {
  override readonly name = 'ClusterBootError';
}

/** The one line for a boot stopped by the lease, or null for any other error. */
export function clusterBootFailure(error: unknown): string | null {
  return error instanceof ClusterBootError ? error.message : null;
}

/** The advisory lock's key: fixed, so every Atelier on a database asks for the same one. */
const lockSql = "SELECT pg_try_advisory_lock(hashtext('atelier:single')) AS taken";

/**
 * "Postgres only" (ATELIER_DATABASE_URL without ATELIER_REDIS_URL) is one replica: its bus and dispatcher
 * live in the process. This lease makes that true: the boot takes a session advisory lock on a connection
 * of its own and holds it while the app runs, and a second Atelier on the same database stops at boot
 * instead of dispatching every job a second time. Postgres releases the lock when the connection ends
 * (a killed process included), so a restart is never locked out.
 */
export class PostgresSingleLease extends LeaderLease {
  readonly solo = true;
  private client: pg.Client | null = null;

  constructor(
    private readonly url: string,
    /** The database as messages name it (no password). */
    private readonly where: string,
  ) {
    super();
  }

  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 10_000 });
    client.on('error', (error: Error) => {
      // Without the lock nothing stops a second Atelier booting on this database: say so loudly.
      this.logger.error(
        { err: error },
        `Lost the connection holding the single-replica lock on ${this.where}; ` +
          'restart this replica to take it again',
      );
    });
    await client.connect();
    const { rows } = await client.query<{ taken: boolean }>(lockSql);
    if (rows[0]?.taken !== true) {
      await client.end();
      throw new ClusterBootError(
        `another Atelier uses ${this.where} without ATELIER_REDIS_URL; replicas need Redis`,
      );
    }
    this.client = client;
    this.setLeader(true, null);
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }
}
