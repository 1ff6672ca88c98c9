import type { QueryRunner } from 'typeorm';
import { dialectOf, positional } from './dialect.js';
import type { SqlExecutor } from './sql.js';

/**
 * A migration's QueryRunner as a SqlExecutor, so code written for the Sql port can run inside a
 * migration and join its transaction (the app's `Sql` is not built yet, and would use a connection
 * of its own on Postgres). Parameters go to the driver as given: strings, numbers and null only.
 */
export function queryRunnerSql(runner: QueryRunner): SqlExecutor {
  const dialect = dialectOf(runner);
  const query = (text: string, params: readonly unknown[]) =>
    runner.query(dialect === 'postgres' ? positional(text) : text, [...params], true);
  return {
    dialect,
    all: async <T>(text: string, params: readonly unknown[] = []) =>
      ((await query(text, params)).records ?? []) as T[],
    get: async <T>(text: string, params: readonly unknown[] = []) =>
      (await query(text, params)).records?.[0] as T | undefined,
    run: async (text: string, params: readonly unknown[] = []) => {
      const result = await query(text, params);
      return {
        changes: result.affected ?? 0,
        lastInsertRowid: dialect === 'sqlite' && typeof result.raw === 'number' ? result.raw : null,
      };
    },
  };
}
