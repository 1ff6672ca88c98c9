import type { SqlExecutor } from '../../database/sql.js';

/**
 * Owners' names for search results and the `user:` autocomplete: plain reads of `users`, the same on
 * both engines (each search engine answers its port's `usernames`/`usernamesLike` with these).
 */
export async function usernamesOf(sql: SqlExecutor, ids: readonly number[]): Promise<Map<number, string>> {
  if (ids.length === 0) return new Map();
  const text = `SELECT "id", "username" FROM "users" WHERE "id" IN (${ids.map(() => '?').join(', ')})`;
  const rows = await sql.all<{ id: number; username: string }>(text, ids);
  return new Map(rows.map((row) => [Number(row.id), row.username]));
}

/** Usernames starting with (then containing) `prefix`, case-insensitive. */
export async function usernamesMatching(sql: SqlExecutor, prefix: string, limit: number): Promise<string[]> {
  const pattern = prefix.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`);
  const text = `SELECT "username" FROM "users" WHERE lower("username") LIKE ? ESCAPE '\\'
    ORDER BY (lower("username") LIKE ? ESCAPE '\\') DESC, "username" LIMIT ?`;
  const rows = await sql.all<{ username: string }>(text, [`%${pattern}%`, `${pattern}%`, limit]);
  return rows.map((row) => row.username);
}
