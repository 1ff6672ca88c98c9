import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfigFromProcess } from './load-config-from-process.js';
import { ConfigError, loadConfig } from './load-config.js';

const root = '/srv/atelier';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig({ ATELIER_ROOT_DIR: root, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('has the documented defaults', () => {
    const config = loadConfig({ ATELIER_ROOT_DIR: root });
    expect(config.port).toBe(3000);
    expect(config.rootDir).toBe(root);
    expect(config.database).toEqual({ engine: 'sqlite', path: join(root, 'data', 'atelier.sqlite') });
    expect(config.redis).toBeNull();
    expect(config.replicaId).toBe(`${hostname()}:3000`);
    expect(config.dataDir).toBe(join(root, 'data'));
    // The built web app ships with the server, not with the data.
    const checkout = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
    expect(config.web.distDir).toBe(join(checkout, 'apps', 'web', 'dist'));
    expect(config.auth.jwtSecret).toBeNull();
    expect(config.auth.firstAdmin).toEqual({ username: 'admin', password: null });
    expect(config.http.trustProxy).toBe(false);
    expect(config.comfy).toEqual({ imageDir: join(root, 'generated', 'comfy') });
    expect(config.runtime.defaults).toMatchObject({
      comfy_enabled: false,
      comfy_api_url: 'http://127.0.0.1:8188',
      comfy_timeout: 30,
      comfy_health_interval_s: 60,
      comfy_object_info_ttl_s: 3600,
      comfy_reconnect_max_attempts: 5,
      comfy_reconnect_base_delay_s: 0.5,
      comfy_reconnect_max_delay_s: 30,
    });
    expect(config.runtime.env).toEqual({});
  });

  it('finds the repo root from its own location when ATELIER_ROOT_DIR is unset', () => {
    const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
    expect(existsSync(join(repoRoot, 'pnpm-workspace.yaml'))).toBe(true);
    expect(loadConfig({}).rootDir).toBe(repoRoot);
  });

  it('keeps the shipped web app and config in the checkout when ATELIER_ROOT_DIR moves the data', () => {
    const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
    const config = loadConfig({ ATELIER_ROOT_DIR: '/srv/atelier-data' });
    expect(config.database).toEqual({ engine: 'sqlite', path: '/srv/atelier-data/data/atelier.sqlite' });
    expect(config.web.distDir).toBe(join(repoRoot, 'apps/web/dist'));
    expect(config.configDir).toBe(join(repoRoot, 'config'));
    expect(config.comfyTuning.presetsDir).toBe(join(repoRoot, 'config/comfy/presets'));
  });

  it('reads every COMFY_* override', () => {
    const config = loadConfig({
      ATELIER_ROOT_DIR: root,
      COMFY_ENABLED: 'yes',
      COMFY_API_URL: 'https://comfy.lan:8443/base/',
      COMFY_TIMEOUT: '12.5',
      COMFY_IMAGE_DIR: '/data/images',
      COMFY_HEALTH_INTERVAL_S: '10',
      COMFY_RECONNECT_MAX_ATTEMPTS: '0',
      COMFY_RECONNECT_BASE_DELAY_S: '1',
      COMFY_RECONNECT_MAX_DELAY_S: '5',
      COMFY_OBJECT_INFO_TTL_S: '0',
    });
    expect(config.runtime.env).toEqual({
      comfy_enabled: true,
      comfy_api_url: 'https://comfy.lan:8443/base',
      comfy_timeout: 12.5,
      comfy_health_interval_s: 10,
      comfy_reconnect_max_attempts: 0,
      comfy_reconnect_base_delay_s: 1,
      comfy_reconnect_max_delay_s: 5,
      comfy_object_info_ttl_s: 0,
    });
    expect(config.comfy.imageDir).toBe('/data/images');
  });

  it('reads PORT, paths relative to the root, and treats empty values as unset', () => {
    const config = loadConfig({
      ATELIER_ROOT_DIR: root,
      PORT: '8080',
      ATELIER_DB_PATH: 'var/db.sqlite',
      COMFY_TIMEOUT: '',
      ATELIER_TRUST_PROXY: '2',
    });
    expect(config.port).toBe(8080);
    expect(config.database).toEqual({ engine: 'sqlite', path: join(root, 'var', 'db.sqlite') });
    expect(config.dataDir).toBe(join(root, 'var'));
    expect(config.runtime.env.comfy_timeout).toBeUndefined();
    expect(config.http.trustProxy).toBe(2);
  });

  it('names the variable and what it accepts', () => {
    expect(problemsOf({ COMFY_TIMEOUT: 'abc' })).toEqual([
      'COMFY_TIMEOUT must be a number of seconds between 1 and 600 (got "abc")',
    ]);
    expect(problemsOf({ COMFY_ENABLED: 'maybe' })[0]).toMatch(
      /^COMFY_ENABLED must be a boolean .* \(got "maybe"\)$/,
    );
    expect(problemsOf({ COMFY_API_URL: 'ftp://x' })[0]).toMatch(/^COMFY_API_URL must be an http\(s\) URL/);
    expect(problemsOf({ COMFY_RECONNECT_MAX_ATTEMPTS: '1.5' })[0]).toMatch(
      /^COMFY_RECONNECT_MAX_ATTEMPTS must be a whole number/,
    );
    expect(problemsOf({ COMFY_RECONNECT_BASE_DELAY_S: '0' })[0]).toMatch(/greater than 0/);
    expect(problemsOf({ COMFY_TIMEOUT: '0x10' })[0]).toMatch(/^COMFY_TIMEOUT/);
    expect(problemsOf({ PORT: '70000' })[0]).toMatch(/^PORT must be a whole number between 0 and 65535/);
    expect(problemsOf({ LOG_LEVEL: 'loud' })[0]).toMatch(/^LOG_LEVEL must be one of fatal, error/);
    expect(problemsOf({ ATELIER_ALLOWED_ORIGINS: 'localhost:5173' })[0]).toMatch(/^ATELIER_ALLOWED_ORIGINS/);
  });

  it('checks that the base delay does not exceed the max delay', () => {
    expect(problemsOf({ COMFY_RECONNECT_BASE_DELAY_S: '10', COMFY_RECONNECT_MAX_DELAY_S: '5' })).toEqual([
      'COMFY_RECONNECT_BASE_DELAY_S must not exceed COMFY_RECONNECT_MAX_DELAY_S (5)',
    ]);
  });

  it('never echoes a secret and lists every problem at once', () => {
    const problems = problemsOf({
      ATELIER_JWT_SECRET: 'short-secret',
      ATELIER_ADMIN_PASSWORD: 'tiny',
      PORT: 'x',
    });
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).not.toContain('short-secret');
    expect(problems.join('\n')).not.toContain('tiny');
    expect(problems[1]).toBe('ATELIER_JWT_SECRET must be at least 32 characters long (got 12 characters)');
  });

  describe('database, Redis and replica (scale-out)', () => {
    const pgUrl = 'postgres://atelier:pw-not-shown@db.lan:5432/atelier';
    const secret = 'x'.repeat(32);

    it('switches to Postgres on ATELIER_DATABASE_URL and keeps the data folder where it was', () => {
      const config = loadConfig({ ATELIER_ROOT_DIR: root, ATELIER_DATABASE_URL: ` ${pgUrl} ` });
      expect(config.database).toEqual({ engine: 'postgres', url: pgUrl });
      expect(config.dataDir).toBe(join(root, 'data'));
      expect(config.redis).toBeNull();
    });

    it('accepts postgresql://, a socket host in the query, and Redis with or without a database number', () => {
      const socket = 'postgresql:///atelier?host=/run/postgresql';
      expect(loadConfig({ ATELIER_ROOT_DIR: root, ATELIER_DATABASE_URL: socket }).database).toEqual({
        engine: 'postgres',
        url: socket,
      });
      for (const url of ['redis://127.0.0.1:6379', 'rediss://:pw@cache.lan:6380/2', 'redis://cache.lan/']) {
        expect(loadConfig({ ATELIER_ROOT_DIR: root, ATELIER_REDIS_URL: url }).redis).toEqual({ url });
      }
    });

    it('runs the four combinations: scale-out needs ATELIER_JWT_SECRET', () => {
      const both = { ATELIER_DATABASE_URL: pgUrl, ATELIER_REDIS_URL: 'redis://127.0.0.1:6379' };
      expect(problemsOf(both)).toEqual([
        'ATELIER_JWT_SECRET must be set when ATELIER_DATABASE_URL and ATELIER_REDIS_URL are both set ' +
          '(scale-out: every replica signs and checks tokens with the same secret)',
      ]);
      const config = loadConfig({ ATELIER_ROOT_DIR: root, ...both, ATELIER_JWT_SECRET: secret });
      expect(config.database.engine).toBe('postgres');
      expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379' });
      // Redis alone keeps SQLite (one process), and needs no shared secret.
      const redisOnly = loadConfig({ ATELIER_ROOT_DIR: root, ATELIER_REDIS_URL: 'redis://127.0.0.1:6379' });
      expect(redisOnly.database.engine).toBe('sqlite');
    });

    it('refuses ATELIER_DB_PATH together with ATELIER_DATABASE_URL', () => {
      expect(problemsOf({ ATELIER_DB_PATH: 'data/x.sqlite', ATELIER_DATABASE_URL: pgUrl })).toEqual([
        'ATELIER_DB_PATH and ATELIER_DATABASE_URL are both set: ATELIER_DB_PATH is the SQLite file of ' +
          'the embedded mode, ATELIER_DATABASE_URL a Postgres database; set only one',
      ]);
    });

    it('names a malformed URL without echoing it (it may carry a password)', () => {
      for (const bad of [
        'mysql://u:pw-not-shown@db.lan/atelier',
        'postgres://u:pw-not-shown@db.lan',
        'postgres://u:pw-not-shown@db.lan/a/b',
        'postgres://u:pw-not-shown@db.lan:99999/atelier',
        'not a url pw-not-shown',
      ]) {
        const problems = problemsOf({ ATELIER_DATABASE_URL: bad });
        expect(problems, bad).toHaveLength(1);
        expect(problems[0]).toMatch(
          /^ATELIER_DATABASE_URL must be a postgres:\/\/ or postgresql:\/\/ URL .*characters\)$/,
        );
        expect(problems[0]).not.toContain('pw-not-shown');
      }
      for (const bad of ['http://pw-not-shown@cache.lan', 'redis://', 'redis://:pw-not-shown@cache.lan/db']) {
        const problems = problemsOf({ ATELIER_REDIS_URL: bad });
        expect(problems, bad).toHaveLength(1);
        expect(problems[0]).toMatch(/^ATELIER_REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
        expect(problems[0]).not.toContain('pw-not-shown');
      }
    });

    it('takes ATELIER_REPLICA_ID, else names the replica after the host and port', () => {
      expect(loadConfig({ ATELIER_ROOT_DIR: root, ATELIER_REPLICA_ID: 'api-b' }).replicaId).toBe('api-b');
      expect(loadConfig({ ATELIER_ROOT_DIR: root, PORT: '3102' }).replicaId).toBe(`${hostname()}:3102`);
      expect(problemsOf({ ATELIER_REPLICA_ID: 'a b' })[0]).toMatch(
        /^ATELIER_REPLICA_ID must be 1–100 letters/,
      );
    });

    it('lists database problems with the others, at once', () => {
      const problems = problemsOf({ ATELIER_DATABASE_URL: 'nope', ATELIER_REDIS_URL: 'nope', PORT: 'x' });
      expect(problems.map((problem) => problem.split(' ')[0])).toEqual([
        'PORT',
        'ATELIER_DATABASE_URL',
        'ATELIER_REDIS_URL',
        // Both set is scale-out even while they are malformed.
        'ATELIER_JWT_SECRET',
      ]);
    });
  });

  it('returns a frozen config', () => {
    const config = loadConfig({ ATELIER_ROOT_DIR: root });
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.auth.firstAdmin)).toBe(true);
  });
});

describe('loadConfigFromProcess', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('prints "Invalid configuration: …" and exits 1 on a bad value', () => {
    vi.stubEnv('COMFY_TIMEOUT', 'abc');
    const errors: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
      errors.push(String(chunk));
      return true;
    });
    vi.spyOn(process, 'exit').mockImplementation((code) => {
      throw new Error(`exit ${String(code)}`);
    });
    expect(() => loadConfigFromProcess()).toThrow('exit 1');
    expect(errors.join('')).toBe(
      'Invalid configuration: COMFY_TIMEOUT must be a number of seconds between 1 and 600 (got "abc")\n',
    );
  });
});
