import { createServer } from 'node:net';
import pg from 'pg';
import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import type { DatabaseConfig } from '../config/app-config.js';
import { databaseBootFailure, isTransientConnectError } from './boot-failure.js';

/** A loopback port nobody listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Postgres's own error shape: an Error with the SQLSTATE as `code`. */
function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code, severity: 'FATAL' });
}

describe('Postgres boot failures', () => {
  const sqlite: DatabaseConfig = { engine: 'sqlite', path: '/srv/data/atelier.sqlite' };

  it('retries and names a server that refuses the connection, without its password', async () => {
    const port = await closedPort();
    const url = `postgres://atelier:hunter2@127.0.0.1:${port}/atelier`;
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    const refused = await client.connect().then(
      () => null,
      (error: unknown) => error,
    );
    expect(isTransientConnectError(refused)).toBe(true);
    const line = databaseBootFailure(refused, { engine: 'postgres', url });
    expect(line).toBe(
      `cannot reach Postgres at postgres://atelier:***@127.0.0.1:${port}/atelier: connect ECONNREFUSED 127.0.0.1:${port}`,
    );
    expect(line).not.toContain('hunter2');
  });

  it('stops at once on what waiting does not fix: credentials, a missing database, a failed migration', () => {
    const database: DatabaseConfig = { engine: 'postgres', url: 'postgres://atelier:pw@db.lan/atelier' };
    const password = pgError('28P01', 'password authentication failed for user "atelier"');
    const missing = pgError('3D000', 'database "atelier" does not exist');
    const migration = new QueryFailedError(
      'CREATE TABLE "users" ("id" integer PRIMARY KEY AUTOINCREMENT NOT NULL)',
      [],
      pgError('42601', 'syntax error at or near "AUTOINCREMENT"'),
    );
    for (const error of [password, missing, migration]) expect(isTransientConnectError(error)).toBe(false);
    expect(databaseBootFailure(password, database)).toBe(
      'Postgres at postgres://atelier:***@db.lan/atelier refused the credentials: ' +
        'password authentication failed for user "atelier"',
    );
    expect(databaseBootFailure(missing, database)).toBe(
      'database "atelier" does not exist on the Postgres server of postgres://atelier:***@db.lan/atelier: create it first',
    );
    expect(databaseBootFailure(migration, database)).toBe(
      'a statement failed on postgres://atelier:***@db.lan/atelier (a migration at boot): ' +
        'syntax error at or near "AUTOINCREMENT"',
    );
  });

  it('retries a server still starting up or out of connections, and a connect timeout', () => {
    expect(isTransientConnectError(pgError('57P03', 'the database system is starting up'))).toBe(true);
    expect(isTransientConnectError(pgError('53300', 'sorry, too many clients already'))).toBe(true);
    expect(isTransientConnectError(new Error('timeout expired'))).toBe(true);
    expect(isTransientConnectError(new Error('something else'))).toBe(false);
  });

  it('leaves other failures, and every SQLite failure, to their stack', () => {
    const database: DatabaseConfig = { engine: 'postgres', url: 'postgres://db.lan/atelier' };
    expect(databaseBootFailure(new TypeError('x is not a function'), database)).toBeNull();
    expect(databaseBootFailure('not an error', database)).toBeNull();
    expect(databaseBootFailure(new QueryFailedError('SELECT 1', [], new Error('boom')), sqlite)).toBeNull();
  });
});
