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

export interface ScratchDatabaseOptions {
  /** Copy this database (CREATE DATABASE … TEMPLATE) instead of starting empty; nobody may be connected to it. */
  readonly template?: string;
}

/** A fresh database with a random name on the test Postgres (empty, or a template's copy); the caller drops it. */
export async function createScratchDatabase(
  prefix: string,
  options: ScratchDatabaseOptions = {},
): Promise<ScratchDatabase> {
  const serverUrl = testDatabaseUrl();
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const template = options.template ? ` TEMPLATE "${options.template}"` : '';
  for (let attempt = 1; ; attempt++) {
    try {
      await onServer(serverUrl, `CREATE DATABASE "${name}"${template}`);
      break;
    } catch (error) {
      // 55006: a session is still connected to the template (a copy still starting elsewhere): short-lived.
      if ((error as { code?: string }).code !== '55006' || attempt === 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
  return {
    url: databaseUrl(name),
    name,
    drop: () => dropDatabase(serverUrl, name),
  };
}

/**
 * DROP DATABASE … WITH (FORCE). 42501: FORCE may not end a process of another role, such as an autovacuum
 * worker that just started on it; those finish within moments, so the drop is tried again.
 */
async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await onServer(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== '42501' || attempt === 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/** The URL of another database on the test Postgres (same server, role and password). */
export function databaseUrl(name: string): string {
  const url = new URL(testDatabaseUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs one statement on the test server's own database (CREATE/DROP DATABASE cannot run inside the target). */
export async function onServer(serverUrl: string, sql: string): Promise<void> {
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
