import type { Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { dialectOf, type Dialect } from './dialect.js';
import { sqliteDate } from './prepared.js';
import { PostgresSql } from './sql-postgres.js';
import { SqliteSql } from './sql-sqlite.js';

/** What a write did. */
export interface SqlRun {
  /** Rows inserted, updated or deleted. */
  readonly changes: number;
  /**
   * SQLite's rowid of the last insert; null on Postgres. Portable code asks for the new id with
   * `INSERT … RETURNING "id"` through `get` instead (SQLite ≥ 3.35 and Postgres both take it).
   */
  readonly lastInsertRowid: number | null;
}

/**
 * Runs hand-written SQL on either engine. Text is written with `?` placeholders (the Postgres adapter
 * numbers them); parameters may be strings, numbers, null, booleans and Dates (on SQLite a boolean binds
 * as 1/0 and a Date as the text TypeORM stores in datetime columns; pg binds both natively). Rows come
 * back as the driver gives them: on SQLite a datetime column is text and a boolean column 0/1, on
 * Postgres a Date and a boolean — read them with `dateFrom` and `Boolean`.
 */
export interface SqlExecutor {
  readonly dialect: Dialect;
  all<T>(text: string, params?: readonly unknown[]): Promise<T[]>;
  /** The first row, or undefined. */
  get<T>(text: string, params?: readonly unknown[]): Promise<T | undefined>;
  run(text: string, params?: readonly unknown[]): Promise<SqlRun>;
}

/**
 * The injectable port (DatabaseModule provides the adapter for the configured engine). Queries every
 * request runs go through here rather than TypeORM's query building, which costs far more than the query.
 */
export abstract class Sql implements SqlExecutor {
  abstract readonly dialect: Dialect;
  abstract all<T>(text: string, params?: readonly unknown[]): Promise<T[]>;
  abstract get<T>(text: string, params?: readonly unknown[]): Promise<T | undefined>;
  abstract run(text: string, params?: readonly unknown[]): Promise<SqlRun>;
  /**
   * Runs `fn` in one transaction: committed when its promise resolves, rolled back when it rejects. Inside,
   * query through `tx` only: on SQLite (one connection) every other call on this Sql waits until the
   * transaction ends, so a call on the outer Sql from within `fn` would wait for itself.
   */
  abstract transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
}

/** A datetime column's value as read by `Sql`: text on SQLite (UTC unless it names a zone), a Date from pg. */
export function dateFrom(value: string | Date): Date {
  return value instanceof Date ? value : sqliteDate(value);
}

export function createSql(dataSource: DataSource): Sql {
  return dialectOf(dataSource) === 'postgres' ? new PostgresSql(dataSource) : new SqliteSql(dataSource);
}

/** For DatabaseModule: one `Sql` per app, on its DataSource. */
export const sqlProvider: Provider = { provide: Sql, inject: [DataSource], useFactory: createSql };
