import type { TypeOrmModuleOptions } from '@nestjs/typeorm';
import type BetterSqlite3 from 'better-sqlite3';
import type { AppConfig } from '../config/app-config.js';
import { migrations } from './migrations/index.js';
import { TypeOrmLogger } from './typeorm-logger.js';

/**
 * SQLite through better-sqlite3. The schema only ever changes through migrations, which run at
 * boot; entities registered with TypeOrmModule.forFeature are picked up automatically.
 */
export function dataSourceOptions(config: AppConfig): TypeOrmModuleOptions {
  return {
    type: 'better-sqlite3',
    database: config.database.path,
    // WAL lets readers proceed while a write is in flight; NORMAL sync is safe under WAL.
    enableWAL: true,
    prepareDatabase: (db: BetterSqlite3.Database) => {
      db.pragma('synchronous = NORMAL');
    },
    timeout: 5000,
    autoLoadEntities: true,
    synchronize: false,
    migrationsRun: true,
    migrations,
    migrationsTransactionMode: 'each',
    // 'schema' carries the "migration … executed" lines.
    logger: new TypeOrmLogger(['error', 'warn', 'migration', 'schema']),
  };
}
