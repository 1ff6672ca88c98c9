import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import type BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { AppConfig } from '../config/app-config.js';
import { isTransientConnectError } from './boot-failure.js';
import { migrations } from './migrations/index.js';
import { TypeOrmLogger } from './typeorm-logger.js';

/** Connections one replica keeps to Postgres (pg's pool `max`); 20 × replicas stays under PG's default 100. */
export const postgresPoolMax = 20;
/** How long a new Postgres connection may take before the boot (or the query) fails. */
export const postgresConnectTimeoutMs = 10_000;

/** Postgres type OID of int8 (bigint): COUNT(*), SUM() and bigint ids. */
const int8Oid = 20;

/**
 * The app's DataSource: SQLite through better-sqlite3 by default, Postgres when ATELIER_DATABASE_URL is
 * set. The schema only ever changes through migrations, which run at boot (one transaction each); entities
 * registered with TypeOrmModule.forFeature are picked up automatically.
 */
export function dataSourceOptions(config: AppConfig): TypeOrmModuleOptions {
  const common = {
    autoLoadEntities: true,
    synchronize: false,
    migrationsRun: true,
    migrations,
    migrationsTransactionMode: 'each',
    // 'schema' carries the "migration … executed" lines.
    logger: new TypeOrmLogger(['error', 'warn', 'migration', 'schema']),
  } as const;
  if (config.database.engine === 'postgres') {
    parseInt8AsNumber();
    return {
      ...common,
      type: 'postgres',
      // The pg module whose int8 parser was just set, not whichever copy TypeORM would resolve.
      driver: pg,
      url: config.database.url,
      connectTimeoutMS: postgresConnectTimeoutMs,
      // Who holds a connection, in pg_stat_activity.
      applicationName: `atelier ${config.replicaId}`,
      extra: { max: postgresPoolMax },
      // A server that does not answer yet is worth the module's retries; a failed migration, a wrong
      // password or a missing database is not (each would fail the same way 9 more times, 3 s apart).
      toRetry: isTransientConnectError,
      // Three tries 3 s apart: a refused connection stops the boot in about 10 s, not the module's 27 s.
      retryAttempts: 3,
      retryDelay: 3000,
      verboseRetryLog: true,
    };
  }
  return {
    ...common,
    type: 'better-sqlite3',
    database: config.database.path,
    // WAL lets readers proceed while a write is in flight; NORMAL sync is safe under WAL.
    enableWAL: true,
    prepareDatabase: (db: BetterSqlite3.Database) => {
      db.pragma('synchronous = NORMAL');
    },
    timeout: 5000,
  };
}

/**
 * pg returns int8 as a string (it may exceed 2^53); SQLite returns numbers, and every count and id
 * here stays far below 2^53, so both engines answer the same type. Global to the pg module: set once.
 */
export function parseInt8AsNumber(): void {
  pg.types.setTypeParser(int8Oid, (text: string) => Number(text));
}
