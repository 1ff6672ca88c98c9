import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Where the test services are: `bash scripts/cluster/cluster.sh services start --test` writes them. */
const servicesHint =
  'start the test services with `bash scripts/cluster/cluster.sh services start --test` and load ' +
  '`.cluster/test/env` (`set -a; . .cluster/test/env; set +a`); scripts/test-all.sh does both';

/** ATELIER_TEST_DATABASE_URL, or an error that says how to get one (these tests never skip). */
export function testDatabaseUrl(): string {
  const url = process.env['ATELIER_TEST_DATABASE_URL'];
  if (!url) throw new Error(`ATELIER_TEST_DATABASE_URL is not set: ${servicesHint}`);
  return url;
}

export interface ScratchDatabase {
  /** The new database's URL (same server, role and password as ATELIER_TEST_DATABASE_URL). */
  readonly url: string;
  readonly name: string;
  /** Drops it, closing whatever connections are still open to it. */
  drop(): Promise<void>;
}

/** A fresh, empty database with a random name on the test Postgres; the caller drops it. */
export async function createScratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const serverUrl = testDatabaseUrl();
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await onServer(serverUrl, `CREATE DATABASE "${name}"`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => onServer(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`),
  };
}

async function onServer(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `cannot reach the test Postgres at ATELIER_TEST_DATABASE_URL (${String(error)}): ${servicesHint}`,
      { cause: error },
    );
  }
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
