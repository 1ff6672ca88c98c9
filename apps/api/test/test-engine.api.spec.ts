import { afterEach, describe, expect, it } from 'vitest';
import { testDatabaseUrl } from './services/scratch-database.js';
import { createTestApp, type TestApp } from './test-app.js';
import { testEngine } from './test-database.js';

/**
 * The harness itself, on both runs: a TestApp is on the engine its run asked for (vitest.pg.config.ts asks
 * for Postgres), keeps its database across a restart, and — on Postgres — has a database of its own that
 * its close() drops. app.sql speaks either engine.
 */
describe('the test harness', () => {
  const apps: TestApp[] = [];
  afterEach(async () => {
    for (const app of apps.splice(0)) await app.close();
  });

  async function start(): Promise<TestApp> {
    const app = await createTestApp();
    apps.push(app);
    return app;
  }

  it('boots the app on the engine the run asked for', async () => {
    const app = await start();
    expect(app.engine).toBe(testEngine());
    const [row] = await app.sql<{ users: number }>(`SELECT COUNT(*) AS "users" FROM "users"`);
    expect(Number(row?.users)).toBe(1); // the first admin, made at boot
  });

  it('keeps the database across a restart, and gives each app its own', async () => {
    const app = await start();
    await app.user('user', 'kept-across-restart');
    await app.restart();
    const kept = await app.sql<{ username: string }>(`SELECT "username" FROM "users" WHERE "username" = ?`, [
      'kept-across-restart',
    ]);
    expect(kept).toEqual([{ username: 'kept-across-restart' }]);

    const other = await start();
    expect(await other.sql(`SELECT "id" FROM "users" WHERE "username" = ?`, ['kept-across-restart'])).toEqual(
      [],
    );
  });

  it('writes through app.sql with ? placeholders and RETURNING on either engine', async () => {
    const app = await start();
    const { id } = await app.user('user', 'renamed-by-sql');
    expect(await app.sql(`UPDATE "users" SET "role" = ? WHERE "id" = ?`, ['curator', id])).toEqual([]);
    expect(
      await app.sql(`UPDATE "users" SET "role" = ? WHERE "id" = ? RETURNING "role"`, ['admin', id]),
    ).toEqual([{ role: 'admin' }]);
  });

  it('drops an app’s own Postgres database when it closes (SQLite: the temp dir goes)', async () => {
    const app = await start();
    const url = app.config.database.engine === 'postgres' ? app.config.database.url : null;
    await app.close();
    apps.splice(apps.indexOf(app), 1);
    if (testEngine() === 'sqlite') {
      expect(url).toBeNull();
      return;
    }
    const name = new URL(url ?? '').pathname.slice(1);
    expect(name).toMatch(/^atelier_t_[0-9a-f]{12}$/);
    const { default: pg } = await import('pg');
    const client = new pg.Client({ connectionString: testDatabaseUrl() });
    await client.connect();
    try {
      const found = await client.query(`SELECT 1 FROM "pg_database" WHERE "datname" = $1`, [name]);
      expect(found.rowCount).toBe(0);
    } finally {
      await client.end();
    }
  });
});
