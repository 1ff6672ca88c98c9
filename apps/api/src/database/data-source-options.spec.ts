import pg from 'pg';
import { QueryFailedError } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { dataSourceOptions, postgresConnectTimeoutMs, postgresPoolMax } from './data-source-options.js';
import { migrations } from './migrations/index.js';

/** The options object only: building it opens no connection, so no server is needed. */
const root = '/srv/atelier';
const url = 'postgres://atelier:secret@127.0.0.1:5432/atelier';

describe('dataSourceOptions', () => {
  afterEach(() => {
    // Back to pg's own int8 parser, so the next test sees the effect of building the options.
    pg.types.setTypeParser(20, (text: string) => text);
  });

  it('opens the SQLite file by default, migrating at boot one transaction per migration', () => {
    const options = dataSourceOptions(loadConfig({ ATELIER_ROOT_DIR: root }));
    expect(options).toMatchObject({
      type: 'better-sqlite3',
      database: `${root}/data/atelier.sqlite`,
      enableWAL: true,
      synchronize: false,
      migrationsRun: true,
      migrationsTransactionMode: 'each',
      autoLoadEntities: true,
    });
    expect(options.migrations).toBe(migrations);
    expect(options).not.toHaveProperty('url');
  });

  it('connects to Postgres on ATELIER_DATABASE_URL with a bounded pool and the same migrations', () => {
    const config = loadConfig({
      ATELIER_ROOT_DIR: root,
      ATELIER_DATABASE_URL: url,
      ATELIER_REPLICA_ID: 'api-a',
    });
    const options = dataSourceOptions(config);
    expect(options).toMatchObject({
      type: 'postgres',
      url,
      driver: pg,
      connectTimeoutMS: postgresConnectTimeoutMs,
      applicationName: 'atelier api-a',
      extra: { max: postgresPoolMax },
      synchronize: false,
      migrationsRun: true,
      migrationsTransactionMode: 'each',
      autoLoadEntities: true,
    });
    expect(options.migrations).toBe(migrations);
    // Nothing SQLite-only leaks into the Postgres options.
    expect(options).not.toHaveProperty('database');
    expect(options).not.toHaveProperty('enableWAL');
    expect(options).not.toHaveProperty('prepareDatabase');
  });

  it('retries a Postgres server that does not answer, never a failed migration', () => {
    const options = dataSourceOptions(loadConfig({ ATELIER_ROOT_DIR: root, ATELIER_DATABASE_URL: url }));
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const failed = new QueryFailedError(
      'CREATE TABLE x (id integer AUTOINCREMENT)',
      [],
      new Error('syntax error'),
    );
    expect(options.toRetry?.(refused)).toBe(true);
    expect(options.toRetry?.(failed)).toBe(false);
    expect(options).toMatchObject({ retryAttempts: 3, retryDelay: 3000 });
  });

  it('makes pg answer int8 (COUNT, bigint ids) as numbers, like SQLite does', () => {
    const parseInt8 = () => pg.types.getTypeParser(20, 'text')('9007199254740991');
    expect(parseInt8()).toBe('9007199254740991');
    dataSourceOptions(loadConfig({ ATELIER_ROOT_DIR: root, ATELIER_DATABASE_URL: url }));
    expect(parseInt8()).toBe(9_007_199_254_740_991);
  });

  it('leaves pg alone in the embedded mode', () => {
    dataSourceOptions(loadConfig({ ATELIER_ROOT_DIR: root }));
    expect(pg.types.getTypeParser(20, 'text')('42')).toBe('42');
  });
});
