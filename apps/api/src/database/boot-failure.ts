import { QueryFailedError } from 'typeorm';
import type { DatabaseConfig } from '../config/app-config.js';
import { describeDatabase } from '../config/database-config.js';

/**
 * Codes of a Postgres server that may answer in a moment: network errors, "the database system is
 * starting up" (57P03) and "too many connections" (53300). A wrong password (28P01) or a database that
 * does not exist (3D000) will not heal by waiting.
 */
const transientCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  '57P03',
  '53300',
]);

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Whether the boot should try connecting to Postgres again (TypeOrmModule's `toRetry`). */
export function isTransientConnectError(error: unknown): boolean {
  if (error instanceof QueryFailedError) return false;
  const code = codeOf(error);
  if (code !== undefined) return transientCodes.has(code);
  // pg's own connect timeout (connectTimeoutMS) carries no code.
  return error instanceof Error && /timeout/i.test(error.message);
}

/**
 * One line for a boot that failed on Postgres (unreachable, refused credentials, missing database, a
 * migration that failed), naming the server without its password; null for anything else (and on SQLite,
 * whose failures keep their stack).
 */
export function databaseBootFailure(error: unknown, database: DatabaseConfig): string | null {
  if (database.engine !== 'postgres' || !(error instanceof Error)) return null;
  const where = describeDatabase(database);
  if (error instanceof QueryFailedError) {
    return `a statement failed on ${where} (a migration at boot): ${error.message}`;
  }
  const code = codeOf(error);
  if (code === '28P01' || code === '28000')
    return `Postgres at ${where} refused the credentials: ${error.message}`;
  if (code === '3D000') return `${error.message} on the Postgres server of ${where}: create it first`;
  if (isTransientConnectError(error)) return `cannot reach Postgres at ${where}: ${error.message}`;
  return null;
}
