import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { migrations } from '../src/database/migrations/index.js';

/** 1765000000000 rebuilds audit_log on SQLite: what was in it must come through whole. */
describe('migration AuditSystemActor1765000000000 on a database with entries', () => {
  let dir: string | undefined;
  let db: DataSource | undefined;
  afterEach(async () => {
    if (db?.isInitialized) await db.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('keeps every row, the index and the id sequence, and then takes a system entry', async () => {
    dir = await mkdtemp(join(tmpdir(), 'atelier-audit-actor-'));
    const at = migrations.findIndex((m) => m.name === 'AuditSystemActor1765000000000');
    expect(at).toBeGreaterThan(0);
    const options = { type: 'better-sqlite3', database: join(dir, 'atelier.sqlite') } as const;
    db = new DataSource({
      ...options,
      migrations: migrations.slice(0, at),
      migrationsTransactionMode: 'each',
    });
    await db.initialize();
    await db.runMigrations();
    const insert = (actorId: number, action: string) =>
      db!.query(
        `INSERT INTO "audit_log" ("at", "actor_id", "actor_username", "action", "target_type", "target_id",
           "target_label", "details_json") VALUES ('2026-12-01T00:00:00.000Z', ?, 'ada', ?, 'user', '7', 'bob', '{"a":1}')`,
        [actorId, action],
      );
    for (const action of ['user.created', 'user.updated', 'user.password_reset']) await insert(1, action);
    // The newest entry went (a hand-cleaned log): ids must still never come back.
    await db.query(`DELETE FROM "audit_log" WHERE "action" = 'user.password_reset'`);
    await expect(
      db.query(
        `INSERT INTO "audit_log" ("at", "actor_id", "actor_username", "action", "target_type", "details_json")
         VALUES ('x', NULL, 'system', 'webhook.disabled', 'webhook', '{}')`,
      ),
    ).rejects.toThrow(/NOT NULL/);
    const before = await db.query<unknown[]>(`SELECT * FROM "audit_log" ORDER BY "id"`);
    await db.destroy();

    db = new DataSource({ ...options, migrations, migrationsTransactionMode: 'each' });
    await db.initialize();
    await db.runMigrations();
    expect(await db.query(`SELECT * FROM "audit_log" ORDER BY "id"`)).toEqual(before);
    const indexes = await db.query<{ name: string }[]>(`PRAGMA index_list("audit_log")`);
    expect(indexes.map((index) => index.name)).toContain('ix_audit_log_action');
    const [system] = await db.query<{ id: number }[]>(
      `INSERT INTO "audit_log" ("at", "actor_id", "actor_username", "action", "target_type", "details_json")
       VALUES ('x', NULL, 'system', 'webhook.disabled', 'webhook', '{}') RETURNING "id"`,
    );
    expect(system?.id).toBe(4);
    expect(
      await db.query(`SELECT "name" FROM "sqlite_master" WHERE "name" LIKE 'audit_log%' ORDER BY "name"`),
    ).toEqual([{ name: 'audit_log' }]);
  });
});
