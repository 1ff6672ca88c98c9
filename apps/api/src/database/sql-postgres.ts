import type { DataSource, QueryResult, QueryRunner } from 'typeorm';
import { positional } from './dialect.js';
import type { Sql, SqlExecutor, SqlRun } from './sql.js';

/** Distinct texts whose numbered form is remembered; past this the cache starts over. */
const maxTexts = 500;

/**
 * `Sql` on the DataSource's pg pool, through TypeORM query runners (its logging, and QueryFailedError
 * carrying the driver's SQLSTATE, as TypeORM's own queries). Each call takes a pooled connection for
 * itself; a transaction holds one QueryRunner, and so one connection, from BEGIN to COMMIT.
 */
export class PostgresSql implements Sql {
  readonly dialect = 'postgres' as const;
  private readonly texts = new Map<string, string>();

  constructor(private readonly dataSource: DataSource) {}

  async all<T>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.query(null, text, params)).records as T[];
  }

  async get<T>(text: string, params: readonly unknown[] = []): Promise<T | undefined> {
    return (await this.query(null, text, params)).records[0] as T | undefined;
  }

  async run(text: string, params: readonly unknown[] = []): Promise<SqlRun> {
    return toRun(await this.query(null, text, params));
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const runner = this.dataSource.createQueryRunner('master');
    let open = true;
    const query = (text: string, params: readonly unknown[]) => {
      if (!open) return Promise.reject(new Error('query on a transaction that has ended'));
      return this.query(runner, text, params);
    };
    const tx: SqlExecutor = {
      dialect: 'postgres',
      all: async <R>(text: string, params: readonly unknown[] = []) =>
        (await query(text, params)).records as R[],
      get: async <R>(text: string, params: readonly unknown[] = []) =>
        (await query(text, params)).records[0] as R | undefined,
      run: async (text: string, params: readonly unknown[] = []) => toRun(await query(text, params)),
    };
    try {
      await runner.startTransaction();
      const value = await fn(tx);
      await runner.commitTransaction();
      return value;
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    } finally {
      open = false;
      await runner.release();
    }
  }

  /** On `runner` (a transaction's), or on a runner of its own released at once. */
  private async query(
    runner: QueryRunner | null,
    text: string,
    params: readonly unknown[],
  ): Promise<QueryResult> {
    const own = runner ?? this.dataSource.createQueryRunner('master');
    try {
      // Structured: plain `query` answers [rows, count] for UPDATE … RETURNING and rows otherwise.
      return await own.query(this.numbered(text), params as unknown[], true);
    } finally {
      if (runner === null) await own.release();
    }
  }

  private numbered(text: string): string {
    let numbered = this.texts.get(text);
    if (numbered === undefined) {
      if (this.texts.size >= maxTexts) this.texts.clear();
      numbered = positional(text);
      this.texts.set(text, numbered);
    }
    return numbered;
  }
}

function toRun(result: QueryResult): SqlRun {
  return { changes: result.affected ?? 0, lastInsertRowid: null };
}
