import type BetterSqlite3 from 'better-sqlite3';
import type { EntityManager } from 'typeorm';
import { sqliteDatetime, sqliteHandle } from './prepared.js';
import type { Sql, SqlExecutor, SqlRun } from './sql.js';

type Statement = BetterSqlite3.Statement<unknown[], unknown>;

/** Distinct texts kept prepared; past this the cache starts over (texts built per call would grow it forever). */
const maxStatements = 500;

const noop = () => undefined;

/** `work`'s result (computed now, synchronously) as a settled promise; a throw becomes a rejection. */
function settled<T>(work: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(work()));
}

/**
 * `Sql` on the TypeORM connection's own better-sqlite3 handle (so it sees exactly what TypeORM sees).
 * Statements are prepared once per text and run synchronously; the promise is already settled, so a
 * query costs what the prepared statement costs plus one microtask.
 *
 * There is one connection: a transaction open across awaits would take in every other statement run
 * meanwhile (and roll it back with its own). So while a transaction runs or waits, every call queues
 * behind it, in order; outside transactions nothing queues.
 */
export class SqliteSql implements Sql {
  readonly dialect = 'sqlite' as const;
  private handle: BetterSqlite3.Database | null = null;
  private readonly statements = new Map<string, Statement>();
  /** The last piece of queued work while a transaction is open or waiting; null when none is. */
  private tail: Promise<void> | null = null;

  constructor(private readonly source: { readonly manager: EntityManager }) {}

  all<T>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    if (this.tail !== null) return this.queue(() => this.allNow<T>(text, params));
    return settled(() => this.allNow<T>(text, params));
  }

  get<T>(text: string, params: readonly unknown[] = []): Promise<T | undefined> {
    if (this.tail !== null) return this.queue(() => this.getNow<T>(text, params));
    return settled(() => this.getNow<T>(text, params));
  }

  run(text: string, params: readonly unknown[] = []): Promise<SqlRun> {
    if (this.tail !== null) return this.queue(() => this.runNow(text, params));
    return settled(() => this.runNow(text, params));
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.queue(() => this.inTransaction(fn));
  }

  /**
   * Runs `fn` on the better-sqlite3 handle itself, for readers that need what the port does not offer
   * (pluck, raw rows, iterate: the gallery's search engine). Never inside another call's open
   * transaction, whose uncommitted rows it would see: queued behind it like any other call.
   * `fn` must be synchronous and must not write.
   */
  exclusive<T>(fn: (db: BetterSqlite3.Database) => T): Promise<T> {
    if (this.tail !== null) return this.queue(() => fn(this.db()));
    return settled(() => fn(this.db()));
  }

  private async inTransaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    // IMMEDIATE: the write lock now, not at the first write (another process, a backup, cannot then
    // make this transaction fail half-way with SQLITE_BUSY).
    this.runNow('BEGIN IMMEDIATE', []);
    let open = true;
    const now = <R>(work: () => R): Promise<R> => {
      if (!open) return Promise.reject(new Error('query on a transaction that has ended'));
      return settled(work);
    };
    const tx: SqlExecutor = {
      dialect: 'sqlite',
      all: <R>(text: string, params: readonly unknown[] = []) => now(() => this.allNow<R>(text, params)),
      get: <R>(text: string, params: readonly unknown[] = []) => now(() => this.getNow<R>(text, params)),
      run: (text: string, params: readonly unknown[] = []) => now(() => this.runNow(text, params)),
    };
    try {
      const value = await fn(tx);
      this.runNow('COMMIT', []);
      return value;
    } catch (error) {
      // A failed COMMIT or a statement error may have ended the transaction already.
      if (this.db().inTransaction) this.runNow('ROLLBACK', []);
      throw error;
    } finally {
      open = false;
    }
  }

  /** Runs `work` after everything queued before it, keeping later calls queued until it settles. */
  private queue<T>(work: () => T | Promise<T>): Promise<T> {
    const result = (this.tail ?? Promise.resolve()).then(work);
    const settled = result.then(noop, noop);
    this.tail = settled;
    void settled.then(() => {
      if (this.tail === settled) this.tail = null;
    });
    return result;
  }

  private allNow<T>(text: string, params: readonly unknown[]): T[] {
    return this.statement(text).all(...bindable(params)) as T[];
  }

  private getNow<T>(text: string, params: readonly unknown[]): T | undefined {
    return this.statement(text).get(...bindable(params)) as T | undefined;
  }

  private runNow(text: string, params: readonly unknown[]): SqlRun {
    const result = this.statement(text).run(...bindable(params));
    return { changes: result.changes, lastInsertRowid: Number(result.lastInsertRowid) };
  }

  private statement(text: string): Statement {
    const db = this.db();
    let statement = this.statements.get(text);
    if (statement === undefined) {
      if (this.statements.size >= maxStatements) this.statements.clear();
      statement = db.prepare<unknown[], unknown>(text);
      this.statements.set(text, statement);
    }
    return statement;
  }

  /** The handle; prepared statements start over if it changed (a data source closed and opened again). */
  private db(): BetterSqlite3.Database {
    const current = sqliteHandle(this.source);
    if (current !== this.handle) {
      this.statements.clear();
      this.handle = current;
    }
    return current;
  }
}

/** better-sqlite3 binds neither booleans nor Dates: 1/0, and the text TypeORM keeps in datetime columns. */
function bindable(params: readonly unknown[]): unknown[] {
  let out: unknown[] | null = null;
  for (let i = 0; i < params.length; i++) {
    const value = params[i];
    if (typeof value === 'boolean' || value instanceof Date) {
      out ??= [...params];
      out[i] = typeof value === 'boolean' ? (value ? 1 : 0) : sqliteDatetime(value);
    }
  }
  return out ?? (params as unknown[]);
}
