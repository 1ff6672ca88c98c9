import pg from 'pg';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isUniqueViolation } from './dialect.js';
import { sqliteDatetime, sqliteHandle } from './prepared.js';
import { createSql, dateFrom, type Sql } from './sql.js';
import { PostgresSql } from './sql-postgres.js';
import { SqliteSql } from './sql-sqlite.js';

describe('SqliteSql', () => {
  let source: DataSource;
  let sql: Sql;

  beforeEach(async () => {
    source = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
    await source.initialize();
    await source.query(
      'CREATE TABLE "t" ("id" integer PRIMARY KEY AUTOINCREMENT, "name" text UNIQUE, "flag" boolean, "at" datetime)',
    );
    sql = createSql(source);
  });
  afterEach(async () => {
    await source.destroy();
  });

  const names = () => sqliteHandle(source).prepare('SELECT "name" FROM "t" ORDER BY "id"').pluck().all();

  it('reads, writes and returns what the statement returns', async () => {
    expect(sql).toBeInstanceOf(SqliteSql);
    expect(sql.dialect).toBe('sqlite');
    const first = await sql.run('INSERT INTO "t" ("name") VALUES (?)', ['a']);
    expect(first).toEqual({ changes: 1, lastInsertRowid: 1 });
    const returned = await sql.get<{ id: number }>('INSERT INTO "t" ("name") VALUES (?) RETURNING "id"', [
      'b',
    ]);
    expect(returned).toEqual({ id: 2 });
    expect(await sql.all('SELECT "id", "name" FROM "t" WHERE "id" >= ? ORDER BY "id"', [1])).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ]);
    expect(await sql.get('SELECT "id" FROM "t" WHERE "name" = ?', ['none'])).toBeUndefined();
    expect(await sql.run('DELETE FROM "t" WHERE "id" > ?', [5])).toMatchObject({ changes: 0 });
  });

  it('binds booleans as 1/0 and Dates as the text TypeORM stores, which dateFrom reads back', async () => {
    const at = new Date('2026-03-04T05:06:07.089Z');
    await sql.run('INSERT INTO "t" ("name", "flag", "at") VALUES (?, ?, ?)', ['x', true, at]);
    await sql.run('INSERT INTO "t" ("name", "flag", "at") VALUES (?, ?, ?)', ['y', false, null]);
    const rows = await sql.all<{ name: string; flag: number; at: string | null }>(
      'SELECT "name", "flag", "at" FROM "t" ORDER BY "id"',
    );
    expect(rows).toEqual([
      { name: 'x', flag: 1, at: sqliteDatetime(at) },
      { name: 'y', flag: 0, at: null },
    ]);
    expect(dateFrom(rows[0]?.at as string).toISOString()).toBe(at.toISOString());
    // A Date parameter compares with the stored text as a time.
    const later = await sql.all('SELECT "name" FROM "t" WHERE "at" > ?', [new Date(at.getTime() - 1)]);
    expect(later).toEqual([{ name: 'x' }]);
  });

  it('runs a statement at the call, outside transactions, and prepares each text once', async () => {
    const prepare = vi.spyOn(sqliteHandle(source), 'prepare');
    const pending = sql.run('INSERT INTO "t" ("name") VALUES (?)', ['now']);
    // Already written before anything awaited.
    expect(names()).toEqual(['now']);
    await pending;
    prepare.mockClear();
    for (let i = 0; i < 3; i++) await sql.get('SELECT "id" FROM "t" WHERE "name" = ?', ['now']);
    expect(prepare).toHaveBeenCalledTimes(1);
  });

  it('rejects (never throws) a failing statement, with the driver error the dialect helpers know', async () => {
    await sql.run('INSERT INTO "t" ("name") VALUES (?)', ['dup']);
    let thrown: unknown = null;
    const pending = sql.run('INSERT INTO "t" ("name") VALUES (?)', ['dup']).catch((error: unknown) => {
      thrown = error;
    });
    await pending;
    expect(isUniqueViolation(thrown)).toBe(true);
    await expect(sql.all('SELECT nope FROM "t"')).rejects.toThrow(/no such column/);
  });

  it('commits a transaction whose function resolves', async () => {
    const value = await sql.transaction(async (tx) => {
      await tx.run('INSERT INTO "t" ("name") VALUES (?)', ['a']);
      await nextTurn();
      await tx.run('INSERT INTO "t" ("name") VALUES (?)', ['b']);
      return tx.dialect;
    });
    expect(value).toBe('sqlite');
    expect(names()).toEqual(['a', 'b']);
    expect(sqliteHandle(source).inTransaction).toBe(false);
  });

  it("holds other callers' statements until the transaction ends, so a rollback takes only its own", async () => {
    const order: string[] = [];
    const failing = sql.transaction(async (tx) => {
      await tx.run('INSERT INTO "t" ("name") VALUES (?)', ['inside']);
      order.push('inside written');
      // Another request's turn comes while the transaction is open.
      await nextTurn();
      await nextTurn();
      order.push('inside fails');
      throw new Error('abandoned');
    });
    // Issued while the transaction is open: they wait, then run on their own.
    const write = sql.run('INSERT INTO "t" ("name") VALUES (?)', ['outside']).then((result) => {
      order.push('outside written');
      return result;
    });
    const read = sql.all<{ name: string }>('SELECT "name" FROM "t" ORDER BY "id"').then((rows) => {
      order.push('outside read');
      return rows.map((row) => row.name);
    });
    await expect(failing).rejects.toThrow('abandoned');
    expect(await write).toMatchObject({ changes: 1 });
    // The read ran after the rollback and after the write queued before it.
    expect(await read).toEqual(['outside']);
    expect(order).toEqual(['inside written', 'inside fails', 'outside written', 'outside read']);
    expect(names()).toEqual(['outside']);
    expect(sqliteHandle(source).inTransaction).toBe(false);
  });

  it('runs concurrent transactions one after the other, so read-modify-write across awaits keeps both', async () => {
    await sql.run('INSERT INTO "t" ("name", "flag") VALUES (?, ?)', ['counter', 0]);
    const bump = () =>
      sql.transaction(async (tx) => {
        const row = await tx.get<{ flag: number }>('SELECT "flag" FROM "t" WHERE "name" = ?', ['counter']);
        await nextTurn();
        await tx.run('UPDATE "t" SET "flag" = ? WHERE "name" = ?', [(row?.flag ?? 0) + 1, 'counter']);
      });
    await Promise.all([bump(), bump(), bump()]);
    expect(await sql.get('SELECT "flag" FROM "t" WHERE "name" = ?', ['counter'])).toEqual({ flag: 3 });
  });

  it('refuses queries on a transaction that has ended, and runs again without queueing after it', async () => {
    let kept: Parameters<Parameters<Sql['transaction']>[0]>[0] | null = null;
    await sql.transaction(async (tx) => {
      kept = tx;
      await tx.run('INSERT INTO "t" ("name") VALUES (?)', ['a']);
    });
    await expect(kept!.all('SELECT 1')).rejects.toThrow(/transaction that has ended/);
    // The queue has drained: a call runs at once again.
    void sql.run('INSERT INTO "t" ("name") VALUES (?)', ['b']);
    expect(names()).toEqual(['a', 'b']);
  });

  it('runs exclusive work on the handle at once outside transactions, and never sees an open one', async () => {
    const sqlite = sql as SqliteSql;
    await sql.run('INSERT INTO "t" ("name") VALUES (?)', ['kept']);
    const read = (db: ReturnType<typeof sqliteHandle>) =>
      db.prepare('SELECT "name" FROM "t" ORDER BY "id"').pluck().all() as string[];
    let ranAt: string[] | null = null;
    const now = sqlite.exclusive((db) => (ranAt = read(db)));
    // Synchronously, at the call, when no transaction is open.
    expect(ranAt).toEqual(['kept']);
    expect(await now).toEqual(['kept']);

    const seen: string[][] = [];
    const failing = sql.transaction(async (tx) => {
      await tx.run('INSERT INTO "t" ("name") VALUES (?)', ['uncommitted']);
      await nextTurn();
      await nextTurn();
      throw new Error('abandoned');
    });
    const committing = sql.transaction(async (tx) => {
      await tx.run('INSERT INTO "t" ("name") VALUES (?)', ['committed']);
      await nextTurn();
    });
    // Issued while the first transaction is open: it waits for both, in order.
    const waiting = sqlite.exclusive((db) => {
      expect(db.inTransaction).toBe(false);
      const names = read(db);
      seen.push(names);
      return names;
    });
    await expect(failing).rejects.toThrow('abandoned');
    await committing;
    expect(await waiting).toEqual(['kept', 'committed']);
    expect(seen).toEqual([['kept', 'committed']]);
    // A throw becomes a rejection, and the queue drains after it.
    await expect(
      sqlite.exclusive(() => {
        throw new Error('broken reader');
      }),
    ).rejects.toThrow('broken reader');
  });
});

describe('createSql', () => {
  it('gives the Postgres adapter for a Postgres DataSource (built, never connected)', () => {
    const postgres = new DataSource({ type: 'postgres', url: 'postgres://u@127.0.0.1:1/none', driver: pg });
    const sql = createSql(postgres);
    expect(sql).toBeInstanceOf(PostgresSql);
    expect(sql.dialect).toBe('postgres');
  });
});

describe('dateFrom', () => {
  it("reads SQLite's datetime text as UTC and passes a Date through", () => {
    expect(dateFrom('2026-01-02 03:04:05.678').toISOString()).toBe('2026-01-02T03:04:05.678Z');
    expect(dateFrom('2026-01-02 03:04:05').toISOString()).toBe('2026-01-02T03:04:05.000Z');
    const date = new Date();
    expect(dateFrom(date)).toBe(date);
  });
});
