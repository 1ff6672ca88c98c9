import { hostname } from 'node:os';
import type { DatabaseConfig, RedisConfig } from './app-config.js';
import type { EnvReader } from './env-reader.js';

/**
 * Where the data lives and who else shares it (issue 16):
 * - neither URL: embedded mode, SQLite at ATELIER_DB_PATH, everything in this process (the default);
 * - ATELIER_DATABASE_URL only: one process on Postgres (events and dispatch stay in-process);
 * - ATELIER_REDIS_URL only: one process on SQLite with Redis-backed limits and background work;
 * - both: scale-out, several replicas behind a load balancer.
 * Only the shape is checked here; whether the servers answer is checked when the app connects.
 */
export interface StorageConfig {
  readonly database: DatabaseConfig;
  readonly redis: RedisConfig | null;
  readonly replicaId: string;
}

const postgresExample = 'postgres://atelier:secret@127.0.0.1:5432/atelier';
const redisExample = 'redis://127.0.0.1:6379';
const replicaIdPattern = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,99}$/;

/** `dbPath` is absolute (the default file when ATELIER_DB_PATH is unset). */
export function readStorageConfig(reader: EnvReader, dbPath: string, port: number): StorageConfig {
  // Secret: a connection URL usually carries a password, so a bad one is reported by its length only.
  const databaseUrl = reader.read(
    'ATELIER_DATABASE_URL',
    `a postgres:// or postgresql:// URL with a host and a database name, such as ${postgresExample}`,
    parsePostgresUrl,
    true,
  );
  const redisUrl = reader.read(
    'ATELIER_REDIS_URL',
    `a redis:// or rediss:// URL with a host (and optionally a database number), such as ${redisExample}`,
    parseRedisUrl,
    true,
  );
  const replicaId = reader.read(
    'ATELIER_REPLICA_ID',
    '1–100 letters, digits, ".", "_", ":" or "-", starting with a letter or digit',
    (raw) => (replicaIdPattern.test(raw.trim()) ? raw.trim() : undefined),
  );

  const databaseUrlSet = reader.raw('ATELIER_DATABASE_URL') !== undefined;
  if (databaseUrlSet && reader.raw('ATELIER_DB_PATH') !== undefined) {
    reader.problems.push(
      'ATELIER_DB_PATH and ATELIER_DATABASE_URL are both set: ATELIER_DB_PATH is the SQLite file of ' +
        'the embedded mode, ATELIER_DATABASE_URL a Postgres database; set only one',
    );
  }
  // Every replica must verify the tokens the others sign; a secret generated per data folder cannot be
  // proven shared, so scale-out asks for it explicitly.
  if (databaseUrlSet && reader.raw('ATELIER_REDIS_URL') !== undefined && !reader.raw('ATELIER_JWT_SECRET')) {
    reader.problems.push(
      'ATELIER_JWT_SECRET must be set when ATELIER_DATABASE_URL and ATELIER_REDIS_URL are both set ' +
        '(scale-out: every replica signs and checks tokens with the same secret)',
    );
  }

  return {
    database: databaseUrl ? { engine: 'postgres', url: databaseUrl } : { engine: 'sqlite', path: dbPath },
    redis: redisUrl ? { url: redisUrl } : null,
    replicaId: replicaId ?? `${hostname()}:${port}`,
  };
}

function parseUrl(raw: string, protocols: readonly string[]): URL | undefined {
  try {
    const url = new URL(raw.trim());
    return protocols.includes(url.protocol) ? url : undefined;
  } catch {
    return undefined;
  }
}

function parsePostgresUrl(raw: string): string | undefined {
  const url = parseUrl(raw, ['postgres:', 'postgresql:']);
  if (!url) return undefined;
  // libpq's socket form names the host in the query (postgres:///atelier?host=/run/postgresql).
  const host = url.hostname || url.searchParams.get('host');
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!host || database === '' || database.includes('/')) return undefined;
  return raw.trim();
}

function parseRedisUrl(raw: string): string | undefined {
  const url = parseUrl(raw, ['redis:', 'rediss:']);
  if (!url?.hostname) return undefined;
  // The path, when there is one, is the logical database number (ioredis reads it so).
  if (!/^\/?(\d{1,2})?$/.test(url.pathname)) return undefined;
  return raw.trim();
}

/**
 * The SQLite file for what only works on the embedded database (backup, restore, benches, tests that
 * open the file); on Postgres it refuses with what to use instead.
 */
export function sqlitePath(database: DatabaseConfig, what = 'this command'): string {
  if (database.engine === 'sqlite') return database.path;
  throw new Error(
    `${what} works on the embedded SQLite database only; ATELIER_DATABASE_URL points at Postgres: ` +
      'use pg_dump and pg_restore for its data',
  );
}

/** For people (admin page, logs): the SQLite path, or the Postgres URL without its password. */
export function describeDatabase(database: DatabaseConfig): string {
  if (database.engine === 'sqlite') return database.path;
  return withoutPassword(database.url);
}

/** A connection URL fit for logs: the password (when any) replaced by `***`. */
export function withoutPassword(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return '(unparsable URL)';
  }
}
