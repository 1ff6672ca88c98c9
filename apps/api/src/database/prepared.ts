import type BetterSqlite3 from 'better-sqlite3';
import type { EntityManager } from 'typeorm';

/**
 * A read statement prepared once on the TypeORM connection's own better-sqlite3 handle, for the queries
 * every request runs (the session check, image lookups): TypeORM's query building costs far more than
 * the query. Same connection, so it sees exactly what TypeORM sees; prepared again if the handle
 * changes (a data source closed and opened again).
 */
export function preparedStatement<Row>(
  /** A repository or the data source: whatever reaches TypeORM's connection. */
  source: { readonly manager: EntityManager },
  sql: string,
): () => BetterSqlite3.Statement<unknown[], Row> {
  let handle: BetterSqlite3.Database | null = null;
  let statement: BetterSqlite3.Statement<unknown[], Row> | null = null;
  return () => {
    const current = sqliteHandle(source);
    if (statement === null || handle !== current) {
      statement = current.prepare<unknown[], Row>(sql);
      handle = current;
    }
    return statement;
  };
}

/** A Date as TypeORM writes datetime columns to SQLite (UTC, `YYYY-MM-DD HH:MM:SS.mmm`), for comparisons. */
export function sqliteDatetime(date: Date): string {
  return date.toISOString().slice(0, 23).replace('T', ' ');
}

/** A datetime column's text as TypeORM hydrates it: UTC unless it names a zone. */
export function sqliteDate(text: string): Date {
  // The two shapes written here (TypeORM's, and SQLite's datetime('now') default), without regexes.
  if ((text.length === 23 || text.length === 19) && text[10] === ' ' && text[4] === '-') {
    return new Date(`${text.slice(0, 10)}T${text.slice(11)}Z`);
  }
  let value = /^\d{4}-\d\d-\d\d \d\d:\d\d/.test(text) ? text.replace(' ', 'T') : text;
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d{3})?)?$/.test(value)) value += 'Z';
  return new Date(value);
}

/**
 * The better-sqlite3 handle under TypeORM's connection, for work that must be one synchronous
 * transaction (nothing else on the event loop can interleave) or runs statements TypeORM has no
 * words for (FTS5).
 */
export function sqliteHandle(source: { readonly manager: EntityManager }): BetterSqlite3.Database {
  return (source.manager.connection.driver as unknown as { databaseConnection: BetterSqlite3.Database })
    .databaseConnection;
}
