import { describe, expect, it } from 'vitest';
import { describeDatabase, sqlitePath, withoutPassword } from './database-config.js';

const postgres = { engine: 'postgres', url: 'postgres://atelier:hunter2@db.lan:5432/atelier' } as const;

describe('describeDatabase', () => {
  it('shows the SQLite path, or the Postgres URL without its password', () => {
    expect(describeDatabase({ engine: 'sqlite', path: '/srv/data/atelier.sqlite' })).toBe(
      '/srv/data/atelier.sqlite',
    );
    expect(describeDatabase(postgres)).toBe('postgres://atelier:***@db.lan:5432/atelier');
    expect(withoutPassword('redis://cache.lan:6379/1')).toBe('redis://cache.lan:6379/1');
    expect(withoutPassword('not a url hunter2')).not.toContain('hunter2');
  });
});

describe('sqlitePath', () => {
  it('is the file on SQLite and refuses on Postgres, naming the Postgres tools', () => {
    expect(sqlitePath({ engine: 'sqlite', path: '/a.sqlite' })).toBe('/a.sqlite');
    expect(() => sqlitePath(postgres, 'npm run backup')).toThrow(
      /^npm run backup works on the embedded SQLite database only; .*pg_dump/,
    );
  });
});
