import { JwtService } from '@nestjs/jwt';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { migrations as allMigrations } from '../src/database/migrations/index.js';
import { createTestApp, testAdmin, type TestApp } from './test-app.js';

describe('first start', () => {
  let app: TestApp;
  afterEach(async () => {
    vi.restoreAllMocks();
    await app.close();
  });

  it('creates the first admin from ATELIER_ADMIN_USERNAME / ATELIER_ADMIN_PASSWORD', async () => {
    app = await createTestApp({
      env: { ATELIER_ADMIN_USERNAME: 'root', ATELIER_ADMIN_PASSWORD: 'root-password' },
    });
    const session = await app.loginAs('root', 'root-password');
    expect(session.user.role).toBe('admin');
    const users = await app.request.get('/api/admin/users').set(session.bearer).expect(200);
    expect(users.body).toHaveLength(1);
  });

  it('generates a password and prints it once when none is given', async () => {
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    app = await createTestApp({ env: { ATELIER_ADMIN_PASSWORD: '' } });
    const banner = written.join('');
    const password = /password: (\S+)/.exec(banner)?.[1];
    expect(password).toMatch(/^[\w-]{20,}$/);
    const session = await app.loginAs('admin', password ?? '');
    expect(session.user.role).toBe('admin');

    written.length = 0;
    await app.restart();
    expect(written.join('')).not.toContain('password:');
    const users = await app.request
      .get('/api/admin/users')
      .set((await app.loginAs('admin', password ?? '')).bearer);
    expect(users.body).toHaveLength(1);
  });

  it('does not create an admin when users exist', async () => {
    app = await createTestApp();
    await app.restart({
      env: { ATELIER_ADMIN_USERNAME: 'another', ATELIER_ADMIN_PASSWORD: 'another-password' },
    });
    const res = await app.request
      .post('/api/auth/login')
      .send({ username: 'another', password: 'another-password' });
    expect(res.status).toBe(401);
    await app.loginAs(testAdmin.username, testAdmin.password);
  });
});

describe('JWT secret', () => {
  let app: TestApp;
  afterEach(() => app.close());

  it('is generated once into the data dir (0600) and survives restarts', async () => {
    app = await createTestApp();
    const path = join(app.rootDir, 'data', 'jwt-secret');
    const secret = await readFile(path, 'utf8');
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect((await stat(path)).mode & 0o777).toBe(0o600);

    const session = await app.login('user');
    await app.restart();
    expect(await readFile(path, 'utf8')).toBe(secret);
    await app.request.get('/api/auth/me').set(session.bearer).expect(200);
  });

  it('comes from ATELIER_JWT_SECRET when set, and then no file is written', async () => {
    const secret = 's'.repeat(40);
    app = await createTestApp({ env: { ATELIER_JWT_SECRET: secret } });
    const session = await app.login('user');
    const claims = await new JwtService({ secret }).verifyAsync<{ sub: string }>(session.token, {
      algorithms: ['HS256'],
    });
    expect(claims.sub).toBe(String(session.user.id));
    await expect(stat(join(app.rootDir, 'data', 'jwt-secret'))).rejects.toThrow(/ENOENT/);
  });
});

describe('database', () => {
  let app: TestApp;
  afterEach(() => app.close());

  it('lives at ATELIER_DB_PATH in WAL mode, created by migrations', async () => {
    app = await createTestApp({ env: { ATELIER_DB_PATH: 'elsewhere/db/atelier.sqlite' } });
    const { DataSource } = await import('typeorm');
    const dataSource = app.nest.get(DataSource);
    expect(dataSource.options.database).toBe(join(app.rootDir, 'elsewhere', 'db', 'atelier.sqlite'));
    const [mode] = await dataSource.query<{ journal_mode: string }[]>('PRAGMA journal_mode');
    expect(mode?.journal_mode).toBe('wal');
    const migrations = await dataSource.query<{ name: string }[]>('SELECT name FROM migrations');
    // Every listed migration ran, in order (the list grows with each feature).
    expect(migrations.map((m) => m.name)).toEqual(allMigrations.map((migration) => migration.name));
    expect(migrations[0]?.name).toBe('InitialSchema1763700000000');
    await stat(join(app.rootDir, 'elsewhere', 'db', 'jwt-secret'));
  });
});
