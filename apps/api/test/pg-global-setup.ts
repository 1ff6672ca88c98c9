import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource, type DataSourceOptions } from 'typeorm';
import type { TestProject } from 'vitest/node';
import { loadConfig } from '../src/config/load-config.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { databaseUrl, onServer, testDatabaseUrl } from './services/scratch-database.js';

/**
 * A run's template is `atelier_template_<pid of the vitest process>`, so two runs on one server (CI's and a
 * spec run by hand) never drop each other's.
 */
const templatePrefix = 'atelier_template_';

/**
 * vitest.pg.config.ts's globalSetup: makes this run's template database once and runs every migration on it
 * with the app's own DataSource options, so each TestApp only copies it (CREATE DATABASE … TEMPLATE,
 * test/test-database.ts). Templates left by runs whose process is gone (killed) are dropped first; this
 * run's is dropped at the end.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const serverUrl = testDatabaseUrl();
  await dropStaleTemplates(serverUrl);
  const template = `${templatePrefix}${process.pid}`;
  const drop = () => onServer(serverUrl, `DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
  await drop();
  await onServer(serverUrl, `CREATE DATABASE "${template}"`);

  // The migrations need a root dir only for the config; nothing is written there.
  const rootDir = await mkdtemp(join(tmpdir(), 'atelier-pg-template-'));
  try {
    const config = loadConfig({
      ATELIER_ROOT_DIR: rootDir,
      ATELIER_DATABASE_URL: databaseUrl(template),
      LOG_LEVEL: 'silent',
    });
    const options = { ...dataSourceOptions(config), logger: undefined, logging: false };
    const dataSource = new DataSource(options as DataSourceOptions);
    await dataSource.initialize(); // migrationsRun: every migration, one transaction each
    await dataSource.destroy(); // a template may have no open connection when it is copied
  } finally {
    await rm(rootDir, { recursive: true, force: true });
  }
  project.provide('pgTemplateDatabase', template);
  return drop;
}

/** Templates named after a process that no longer runs here (the test services are local). */
async function dropStaleTemplates(serverUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  let names: string[];
  try {
    const rows = await client.query<{ datname: string }>(
      `SELECT "datname" FROM "pg_database" WHERE starts_with("datname", $1)`,
      [templatePrefix],
    );
    names = rows.rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
  for (const name of names) {
    const pid = Number(name.slice(templatePrefix.length));
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) continue;
    await onServer(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
