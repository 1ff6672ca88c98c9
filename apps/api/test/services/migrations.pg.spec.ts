import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { migrations } from '../../src/database/migrations/index.js';
import { createTestApp, testAdmin, type TestApp } from '../test-app.js';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database.js';

/**
 * Every migration on a real Postgres: the schema it makes has the tables and columns SQLite's has (so a
 * migration written for SQLite only fails here), every `down` undoes its `up`, and the app boots on it.
 * Needs ATELIER_TEST_DATABASE_URL (scripts/test-all.sh starts the test services and sets it).
 */

/** What only one engine has, on purpose. */
const known = {
  // FTS5's virtual tables and the shadow tables SQLite keeps for them; Postgres searches a tsvector column.
  sqliteOnlyTable: (name: string) => /^gallery_fts(_[a-z]+)?$/.test(name),
  postgresOnlyColumns: new Set(['gallery_images.search_tsv']),
  postgresOnlyIndexes: new Set(['gallery_images.ix_gallery_images_search']),
  // Integer 0/1 flags on SQLite that their entities map as booleans (Postgres will not take true for 1).
  flagColumns: new Set([
    'comfy_backends.is_default',
    'comfy_backends.enabled',
    'comfy_backends.draining',
    'comfy_queue_owners.paused',
    'comfy_queue_owners.auto_retry',
  ]),
};

/** A column as both engines can describe it: `name type [NOT NULL]`, the type as a family. */
type Schema = Record<string, string[]>;

function family(declared: string): string {
  const type = declared.toLowerCase();
  if (type === 'integer' || type === 'bigint') return 'integer';
  // SQLite's `real` is 8 bytes; Postgres's is 4 (postgresSchema reports it as float4, which matches
  // nothing): a migration must say double precision there (ddl().real).
  if (type === 'double precision' || type === 'real') return 'double';
  if (type === 'text' || type.startsWith('varchar') || type === 'character varying') return 'text';
  if (type === 'citext') return 'text';
  // Postgres `timestamp` (without time zone) is reported as such and matches nothing: use ddl().datetime.
  if (type === 'datetime' || type === 'timestamp' || type === 'timestamp with time zone') return 'time';
  if (type === 'boolean') return 'boolean';
  return `unknown(${declared})`;
}

async function sqliteSchema(dataSource: DataSource): Promise<Schema> {
  const tables = await dataSource.query<{ name: string }[]>(
    `SELECT "name" FROM "sqlite_master" WHERE "type" = 'table' AND "name" NOT LIKE 'sqlite_%' ORDER BY "name"`,
  );
  const schema: Schema = {};
  for (const { name } of tables) {
    if (known.sqliteOnlyTable(name)) continue;
    const columns = await dataSource.query<{ name: string; type: string; notnull: number }[]>(
      `PRAGMA table_info("${name}")`,
    );
    schema[name] = columns
      .map((column) => {
        const type = known.flagColumns.has(`${name}.${column.name}`) ? 'boolean' : family(column.type);
        return `${column.name} ${type}${column.notnull ? ' NOT NULL' : ''}`;
      })
      .sort();
  }
  return schema;
}

async function postgresSchema(dataSource: DataSource): Promise<Schema> {
  const columns = await dataSource.query<
    { table_name: string; column_name: string; data_type: string; udt_name: string; is_nullable: string }[]
  >(
    `SELECT "table_name", "column_name", "data_type", "udt_name", "is_nullable"
     FROM "information_schema"."columns" WHERE "table_schema" = current_schema()`,
  );
  const schema: Schema = {};
  for (const column of columns) {
    if (known.postgresOnlyColumns.has(`${column.table_name}.${column.column_name}`)) continue;
    // citext is a USER-DEFINED type: its name is in udt_name.
    const declared = column.data_type === 'USER-DEFINED' ? column.udt_name : column.data_type;
    // Kept apart from `real` above: a float4 column is reported as 'real' and must fail the comparison.
    const type = declared === 'real' ? 'float4' : family(declared);
    (schema[column.table_name] ??= []).push(
      `${column.column_name} ${type}${column.is_nullable === 'NO' ? ' NOT NULL' : ''}`,
    );
  }
  for (const table of Object.values(schema)) table.sort();
  return Object.fromEntries(Object.entries(schema).sort(([a], [b]) => a.localeCompare(b)));
}

/** `table.index` of the indexes migrations create (not those SQLite or Postgres make for keys). */
async function sqliteIndexes(dataSource: DataSource): Promise<string[]> {
  const rows = await dataSource.query<{ name: string; tbl_name: string }[]>(
    `SELECT "name", "tbl_name" FROM "sqlite_master" WHERE "type" = 'index' AND "sql" IS NOT NULL`,
  );
  return rows
    .filter((row) => !known.sqliteOnlyTable(row.tbl_name))
    .map((row) => `${row.tbl_name}.${row.name}`)
    .sort();
}

async function postgresIndexes(dataSource: DataSource): Promise<string[]> {
  const rows = await dataSource.query<{ index: string; table: string }[]>(
    `SELECT "i"."relname" AS "index", "t"."relname" AS "table"
     FROM "pg_index" "x"
     JOIN "pg_class" "i" ON "i"."oid" = "x"."indexrelid"
     JOIN "pg_class" "t" ON "t"."oid" = "x"."indrelid"
     JOIN "pg_namespace" "n" ON "n"."oid" = "t"."relnamespace"
     WHERE "n"."nspname" = current_schema()
       AND NOT EXISTS (SELECT 1 FROM "pg_constraint" "c" WHERE "c"."conindid" = "x"."indexrelid")`,
  );
  return rows
    .map((row) => `${row.table}.${row.index}`)
    .filter((name) => !known.postgresOnlyIndexes.has(name))
    .sort();
}

/** The app's own DataSource options (migrations run at initialize, one transaction each), without its logger. */
function migratingDataSource(env: Record<string, string>): DataSource {
  const options = { ...dataSourceOptions(loadConfig({ LOG_LEVEL: 'silent', ...env })), logger: undefined };
  return new DataSource({ ...options, logging: false } as DataSourceOptions);
}

const migrationNames = migrations.map((migration) => new migration().name);

describe('the migrations on Postgres', () => {
  let database: ScratchDatabase;
  let rootDir: string;
  let postgres: DataSource;
  let sqlite: Schema;
  let sqliteIndexNames: string[];

  beforeAll(async () => {
    database = await createScratchDatabase('atelier_migrations');
    rootDir = await mkdtemp(join(tmpdir(), 'atelier-pg-migrations-'));
    const embedded = migratingDataSource({ ATELIER_ROOT_DIR: rootDir });
    await embedded.initialize();
    sqlite = await sqliteSchema(embedded);
    sqliteIndexNames = await sqliteIndexes(embedded);
    await embedded.destroy();
    postgres = migratingDataSource({ ATELIER_ROOT_DIR: rootDir, ATELIER_DATABASE_URL: database.url });
    await postgres.initialize();
  }, 120_000);

  afterAll(async () => {
    if (postgres?.isInitialized) await postgres.destroy();
    await database?.drop();
    if (rootDir) await rm(rootDir, { recursive: true, force: true });
  });

  const applied = async () =>
    (await postgres.query<{ name: string }[]>(`SELECT "name" FROM "migrations" ORDER BY "id"`)).map(
      (row) => row.name,
    );

  it('runs every migration, in order, on an empty database', async () => {
    expect(await applied()).toEqual(migrationNames);
  });

  it('makes the tables and columns SQLite has (names, type families, NOT NULL)', async () => {
    // Guards the comparison itself: both sides really list the schema.
    expect(Object.keys(sqlite)).toContain('gallery_images');
    expect(sqlite['users']).toContain('username text NOT NULL');
    expect(await postgresSchema(postgres)).toEqual(sqlite);
  });

  it('makes the indexes SQLite has, by name', async () => {
    expect(sqliteIndexNames).toContain('users.ux_users_username');
    expect(await postgresIndexes(postgres)).toEqual(sqliteIndexNames);
  });

  it('keeps usernames unique without regard to case, and floats as doubles', async () => {
    await postgres.query(
      `INSERT INTO "users" ("username", "password_hash", "role") VALUES ('Ada', 'x', 'user')`,
    );
    await expect(
      postgres.query(`INSERT INTO "users" ("username", "password_hash", "role") VALUES ('ADA', 'x', 'user')`),
    ).rejects.toThrow(/duplicate key|unique/i);
    await postgres.query(`UPDATE "comfy_role_limits" SET "weight" = 0.35 WHERE "role" = 'user'`);
    const [row] = await postgres.query<{ weight: number }[]>(
      `SELECT "weight" FROM "comfy_role_limits" WHERE "role" = 'user'`,
    );
    expect(row?.weight).toBe(0.35);
    await postgres.query(`DELETE FROM "users"`);
  });

  it('undoes every migration with down, newest first, and runs them all again', async () => {
    for (const _ of migrationNames) await postgres.undoLastMigration({ transaction: 'each' });
    expect(await applied()).toEqual([]);
    const tables = await postgres.query<{ table_name: string }[]>(
      `SELECT "table_name" FROM "information_schema"."tables" WHERE "table_schema" = current_schema()`,
    );
    expect(tables.map((table) => table.table_name)).toEqual(['migrations']);

    await postgres.runMigrations({ transaction: 'each' });
    expect(await applied()).toEqual(migrationNames);
    expect(await postgresSchema(postgres)).toEqual(sqlite);
    expect(await postgresIndexes(postgres)).toEqual(sqliteIndexNames);
  }, 120_000);

  describe('the app on that database', () => {
    let app: TestApp;

    beforeAll(async () => {
      app = await createTestApp({ env: { ATELIER_DATABASE_URL: database.url } });
    }, 60_000);

    afterAll(async () => {
      await app?.close();
    });

    it('boots on Postgres and answers GET /api/health', async () => {
      expect(app.nest.get(DataSource).options.type).toBe('postgres');
      const response = await app.request.get('/api/health');
      expect(response.status).toBe(200);
    });

    it('signs the admin in: a session with tokens and cookies, the user as stored', async () => {
      const session = await app.loginAs(testAdmin.username, testAdmin.password);
      expect(session.user).toMatchObject({ username: testAdmin.username, role: 'admin' });
      expect(session.token).not.toBe('');
      const [stored] = await postgres.query<{ n: number }[]>(
        `SELECT count(*) AS "n" FROM "refresh_tokens" "t" JOIN "users" "u" ON "u"."id" = "t"."user_id"
         WHERE "u"."username" = $1 AND "t"."revoked_at" IS NULL`,
        [testAdmin.username.toUpperCase()],
      );
      // One live refresh token, found by the username in another case (citext).
      expect(stored?.n).toBe(1);
    });

    it('lets that session through the per-request checks and rotates its refresh token', async () => {
      const session = await app.loginAs(testAdmin.username, testAdmin.password);
      const me = await app.request.get('/api/auth/me').set(session.bearer);
      expect(me.status).toBe(200);
      expect(me.body).toMatchObject({ username: testAdmin.username, role: 'admin', disabled_webhooks: 0 });
      const refreshed = await app.request
        .post('/api/auth/refresh')
        .set('Origin', app.origin)
        .set('Cookie', session.refreshCookie);
      expect(refreshed.status).toBe(200);
      // The old refresh token is spent: a second use is refused.
      const reused = await app.request
        .post('/api/auth/refresh')
        .set('Origin', app.origin)
        .set('Cookie', session.refreshCookie);
      expect(reused.status).toBe(401);
    });
  });
});
