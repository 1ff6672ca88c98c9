import { existsSync } from 'node:fs';
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
    expect(config.database.path).toBe(join(root, 'data', 'atelier.sqlite'));
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
    expect(config.database.path).toBe('/srv/atelier-data/data/atelier.sqlite');
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
    expect(config.database.path).toBe(join(root, 'var', 'db.sqlite'));
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
