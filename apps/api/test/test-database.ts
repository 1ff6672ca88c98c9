import { inject } from 'vitest';
import { createScratchDatabase, type ScratchDatabase } from './services/scratch-database.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The migrated template of this run (test/pg-global-setup.ts). */
    pgTemplateDatabase: string;
  }
}

/**
 * Which engine the API specs run on. SQLite (a file per TestApp) unless the suite opted in to Postgres
 * (vitest.pg.config.ts sets ATELIER_TEST_ENGINE=postgres): ATELIER_TEST_DATABASE_URL alone never changes
 * the normal run, which CI starts with the test services up.
 */
export type TestEngine = 'sqlite' | 'postgres';

export function testEngine(): TestEngine {
  return process.env['ATELIER_TEST_ENGINE'] === 'postgres' ? 'postgres' : 'sqlite';
}

/**
 * A TestApp's own database: a copy of the run's template (made and migrated once per run by
 * test/pg-global-setup.ts: far cheaper than the migrations per app), dropped when the app closes.
 */
export function createAppDatabase(): Promise<ScratchDatabase> {
  return createScratchDatabase('atelier_t', { template: inject('pgTemplateDatabase') });
}
