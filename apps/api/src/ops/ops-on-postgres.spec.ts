import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { backupTo } from './backup.js';
import { RestoreRefused, restoreFrom } from './restore.js';

const postgresUrl = 'postgres://atelier:hunter2@db.lan:5432/atelier';

describe('backup and restore on Postgres', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'atelier-pg-ops-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const config = () => loadConfig({ ATELIER_ROOT_DIR: dir, ATELIER_DATABASE_URL: postgresUrl });

  it('refuses before writing anything, pointing at pg_dump / pg_restore', async () => {
    await expect(backupTo(config(), join(dir, 'backup'))).rejects.toThrow(/pg_dump/);
    const refused = await restoreFrom(config(), join(dir, 'backup')).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(RestoreRefused);
    expect((refused as RestoreRefused).problems).toEqual([expect.stringMatching(/Postgres: use pg_restore/)]);
    expect(await readdir(dir)).toEqual([]);
  });
});
