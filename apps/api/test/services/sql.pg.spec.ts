import { DataSource, type DataSourceOptions } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { isUniqueViolation } from '../../src/database/dialect.js';
import { createSql, dateFrom, type Sql } from '../../src/database/sql.js';
import { WebhookDeliveriesRepository } from '../../src/webhooks/webhook-deliveries.repository.js';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database.js';

/**
 * The Sql port's Postgres adapter on a migrated database: `?` texts, RETURNING, booleans and Dates,
 * transactions on one connection, and the webhook worker's claim skipping rows another transaction holds.
 * Needs ATELIER_TEST_DATABASE_URL.
 */
describe('Sql on Postgres', () => {
  let database: ScratchDatabase;
  let source: DataSource;
  let sql: Sql;

  beforeAll(async () => {
    database = await createScratchDatabase('atelier_sql');
    const options = dataSourceOptions(
      loadConfig({
        LOG_LEVEL: 'silent',
        ATELIER_DATABASE_URL: database.url,
        ATELIER_ROOT_DIR: '/nonexistent',
      }),
    );
    source = new DataSource({ ...options, logger: undefined, logging: false } as DataSourceOptions);
    await source.initialize();
    sql = createSql(source);
  }, 120_000);

  afterAll(async () => {
    if (source?.isInitialized) await source.destroy();
    await database?.drop();
  });

  const newUser = (username: string) =>
    sql.get<{ id: number }>(
      `INSERT INTO "users" ("username", "password_hash", "role", "disabled") VALUES (?, 'x', 'user', ?) RETURNING "id"`,
      [username, false],
    );

  it('numbers ? placeholders, returns rows and counts, and reads booleans and times back', async () => {
    expect(sql.dialect).toBe('postgres');
    const ada = await newUser('ada');
    expect(ada?.id).toEqual(expect.any(Number));
    const at = new Date('2026-05-06T07:08:09.123Z');
    const changed = await sql.run(`UPDATE "users" SET "disabled" = ?, "created_at" = ? WHERE "id" = ?`, [
      true,
      at,
      ada?.id,
    ]);
    expect(changed).toEqual({ changes: 1, lastInsertRowid: null });
    const row = await sql.get<{ disabled: boolean; created_at: Date; q: string }>(
      // A ? inside a literal is text, not a parameter.
      `SELECT "disabled", "created_at", '?' AS "q" FROM "users" WHERE "username" = ? AND "created_at" > ?`,
      ['ADA', new Date(at.getTime() - 1)],
    );
    expect(row).toEqual({ disabled: true, created_at: at, q: '?' });
    expect(dateFrom(row!.created_at).toISOString()).toBe(at.toISOString());
    expect(
      await sql.all(`SELECT "id" FROM "users" WHERE NOT "disabled" AND "username" = ?`, ['ada']),
    ).toEqual([]);
    expect(await sql.get(`SELECT "id" FROM "users" WHERE "username" = ?`, ['nobody'])).toBeUndefined();
  });

  it('rejects a duplicate with the error isUniqueViolation knows', async () => {
    await newUser('bea');
    const error: unknown = await newUser('BEA').catch((thrown: unknown) => thrown);
    expect(isUniqueViolation(error)).toBe(true);
  });

  it('commits a transaction on one connection, rolls a failed one back, and hides both while open', async () => {
    await sql.transaction(async (tx) => {
      expect(tx.dialect).toBe('postgres');
      await tx.run(`INSERT INTO "users" ("username", "password_hash", "role") VALUES (?, 'x', 'user')`, [
        'cy',
      ]);
      // Another connection does not see it before the commit.
      expect(await sql.get(`SELECT 1 AS "n" FROM "users" WHERE "username" = ?`, ['cy'])).toBeUndefined();
      expect(await tx.get(`SELECT 1 AS "n" FROM "users" WHERE "username" = ?`, ['cy'])).toEqual({ n: 1 });
    });
    expect(await sql.get(`SELECT 1 AS "n" FROM "users" WHERE "username" = ?`, ['cy'])).toEqual({ n: 1 });

    const failed = sql.transaction(async (tx) => {
      await tx.run(`INSERT INTO "users" ("username", "password_hash", "role") VALUES (?, 'x', 'user')`, [
        'dee',
      ]);
      throw new Error('abandoned');
    });
    await expect(failed).rejects.toThrow('abandoned');
    expect(await sql.get(`SELECT 1 AS "n" FROM "users" WHERE "username" = ?`, ['dee'])).toBeUndefined();
  });

  it("claims due webhook deliveries past the rows another worker's transaction holds, without waiting for it", async () => {
    const owner = await newUser('hook-owner');
    const endpoint = await sql.get<{ id: number }>(
      `INSERT INTO "webhook_endpoints" ("owner_id", "url", "secret", "events_json", "all_users", "enabled", "created_at")
       VALUES (?, 'http://127.0.0.1:9/', 's', '[]', ?, ?, ?) RETURNING "id"`,
      [owner?.id, false, true, new Date().toISOString()],
    );
    const deliveries = new WebhookDeliveriesRepository(sql);
    const due = '2026-01-01T00:00:00.000Z';
    for (const id of ['d1', 'd2', 'd3']) {
      await deliveries.insertDelivery({
        id,
        endpointId: endpoint!.id,
        event: 'job.succeeded',
        payloadJson: '{}',
        nextAttemptAt: due,
        createdAt: due,
      });
    }
    const now = '2026-01-01T00:00:01.000Z';
    const lease = '2026-01-01T00:05:00.000Z';
    const [held, other] = await sql.transaction(async (tx) => {
      // The first worker's claim, still uncommitted: its rows stay locked.
      const first = await new WebhookDeliveriesRepository(tx as Sql).claimDue(now, lease, 2);
      // A second worker on another connection: takes what is left at once (without SKIP LOCKED it would wait
      // for this transaction, which waits for it).
      const second = await deliveries.claimDue(now, lease, 2);
      return [first, second];
    });
    expect(held.map((row) => row.id).sort()).toEqual(['d1', 'd2']);
    expect(other.map((row) => row.id)).toEqual(['d3']);
    expect(await deliveries.claimDue(now, lease, 5)).toEqual([]);
  });
});
