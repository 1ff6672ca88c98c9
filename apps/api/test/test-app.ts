import { accessCookieName, refreshCookieName, type AuthUser, type Role } from '@atelier/contract';
import type { Type } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import supertest from 'supertest';
import { AppConfig } from '../src/config/app-config.js';
import { loadConfig } from '../src/config/load-config.js';
import { RuntimeConfig } from '../src/config/runtime-config.service.js';
import { AppModule } from '../src/app.module.js';
import { configureApp, createApp, nestAppOptions } from '../src/create-app.js';
import { UsersService } from '../src/users/users.service.js';
import { Sql } from '../src/database/sql.js';
import type { Dialect } from '../src/database/dialect.js';
import type { ScratchDatabase } from './services/scratch-database.js';
import { createAppDatabase, testEngine } from './test-database.js';

/**
 * On the Postgres run (test/test-database.ts), each root dir's database: made by the app that made the dir,
 * reused by an app started on that dir (`rootDir`) and by `restart()`, dropped by the owner's `close()`.
 */
const databases = new Map<string, ScratchDatabase>();

export interface TestAppOptions {
  /** Environment on top of the test defaults (an empty string unsets a default). */
  env?: Record<string, string>;
  /** Extra Nest modules, e.g. a controller that only tests have. */
  modules?: readonly Type[];
  /** Reuse a root dir (and so its database) instead of making a fresh temp dir. */
  rootDir?: string;
  /** Files written under the root dir before boot, e.g. `{ 'apps/web/dist/index.html': '…' }`. */
  files?: Record<string, string>;
  /** Collects the app's log lines (set `LOG_LEVEL` in env too; tests default to silent). */
  logs?: LogCollector;
  /**
   * Providers replaced by test doubles, e.g. `[[JobOutputs, fake]]`. Such an app is built through Nest's
   * testing module, where serve-static does nothing: don't combine with tests of the web build.
   */
  overrides?: readonly (readonly [Type | string | symbol, unknown])[];
}

/** A pino destination that keeps every log line as parsed JSON. */
export class LogCollector {
  readonly lines: Record<string, unknown>[] = [];

  write(line: string): void {
    this.lines.push(JSON.parse(line) as Record<string, unknown>);
  }

  get text(): string {
    return this.lines.map((line) => JSON.stringify(line)).join('\n');
  }
}

export interface TestSession {
  token: string;
  /** `atelier_access=…`, ready for a Cookie header. */
  cookie: string;
  /** `atelier_refresh=…`, ready for a Cookie header. */
  refreshCookie: string;
  user: AuthUser;
  /** `{ Authorization: 'Bearer …' }` */
  bearer: { Authorization: string };
}

export interface TestCredentials {
  id: number;
  username: string;
  password: string;
  role: Role;
}

/** The admin created at first start by every test app (unless the env overrides it). */
export const testAdmin = { username: 'admin', password: 'admin-password-for-tests' } as const;

export function cookieFrom(setCookie: string[] | string | undefined, name: string): string {
  const all = Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : [];
  const line = all.find((cookie) => cookie.startsWith(`${name}=`));
  if (!line) throw new Error(`No ${name} cookie in ${JSON.stringify(all)}`);
  return line.split(';')[0] ?? '';
}

/**
 * The real server on an ephemeral port with a real SQLite file in a temp dir (ATELIER_ROOT_DIR) — or, on the
 * Postgres run, a database of its own copied from the migrated template (ATELIER_DATABASE_URL).
 * `close()` stops it and deletes the dir (and that database); `restart()` boots again on the same dir and database.
 */
export class TestApp {
  private readonly users = new Map<string, TestCredentials>();
  private ownsRootDir: boolean;

  private constructor(
    readonly rootDir: string,
    private options: TestAppOptions,
    private app: NestExpressApplication,
    private currentUrl: string,
    ownsRootDir: boolean,
  ) {
    this.ownsRootDir = ownsRootDir;
  }

  static async start(options: TestAppOptions = {}): Promise<TestApp> {
    const rootDir = options.rootDir ?? (await mkdtemp(join(tmpdir(), 'atelier-api-')));
    try {
      if (options.rootDir === undefined && testEngine() === 'postgres') {
        databases.set(rootDir, await createAppDatabase());
      }
      const { app, url } = await TestApp.boot(rootDir, options);
      return new TestApp(rootDir, options, app, url, options.rootDir === undefined);
    } catch (error) {
      if (options.rootDir === undefined) await TestApp.removeRoot(rootDir);
      throw error;
    }
  }

  private static async boot(rootDir: string, options: TestAppOptions) {
    for (const [path, content] of Object.entries(options.files ?? {})) {
      await mkdir(dirname(join(rootDir, path)), { recursive: true });
      await writeFile(join(rootDir, path), content);
    }
    const config = loadConfig(TestApp.env(rootDir, options));
    const appOptions = {
      extraModules: options.modules ?? [],
      ...(options.logs ? { logDestination: options.logs } : {}),
    };
    const app = options.overrides?.length
      ? await TestApp.createWithOverrides(config, appOptions, options.overrides)
      : await createApp(config, appOptions);
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    return { app, url: `http://127.0.0.1:${port}` };
  }

  private static async createWithOverrides(
    config: AppConfig,
    appOptions: Parameters<typeof AppModule.forRoot>[1],
    overrides: NonNullable<TestAppOptions['overrides']>,
  ): Promise<NestExpressApplication> {
    let builder = Test.createTestingModule({ imports: [AppModule.forRoot(config, appOptions)] });
    for (const [token, value] of overrides) builder = builder.overrideProvider(token).useValue(value);
    const moduleRef = await builder.compile();
    return configureApp(moduleRef.createNestApplication<NestExpressApplication>(nestAppOptions), config);
  }

  private static env(rootDir: string, options: TestAppOptions): Record<string, string> {
    const database = databases.get(rootDir);
    // A spec that names its own SQLite file (ATELIER_DB_PATH) or database keeps it.
    const own =
      options.env?.['ATELIER_DB_PATH'] !== undefined || options.env?.['ATELIER_DATABASE_URL'] !== undefined;
    return {
      ...(database && !own ? { ATELIER_DATABASE_URL: database.url } : {}),
      ATELIER_ROOT_DIR: rootDir,
      // Tests put their own web build and presets under the temp root (see `files`).
      ATELIER_WEB_DIST_DIR: 'apps/web/dist',
      COMFY_PRESETS_DIR: 'config/comfy/presets',
      LOG_LEVEL: 'silent',
      ATELIER_ADMIN_USERNAME: testAdmin.username,
      ATELIER_ADMIN_PASSWORD: testAdmin.password,
      ...options.env,
    };
  }

  /** Base URL, e.g. http://127.0.0.1:41234 (also our own Origin for CSRF checks). */
  get url(): string {
    return this.currentUrl;
  }

  get origin(): string {
    return this.currentUrl;
  }

  get nest(): NestExpressApplication {
    return this.app;
  }

  get config(): AppConfig {
    return this.app.get(AppConfig);
  }

  get runtime(): RuntimeConfig {
    return this.app.get(RuntimeConfig);
  }

  /** The engine this app runs on. */
  get engine(): Dialect {
    return this.app.get(Sql).dialect;
  }

  /**
   * Hand-written SQL on the app's database, on either engine (the Sql port: `?` placeholders, datetimes as
   * text on SQLite and Dates on Postgres, booleans 0/1 and true/false). Rows of a SELECT, WITH or a statement
   * with RETURNING; an empty list for other writes.
   */
  async sql<T = Record<string, unknown>>(text: string, params: readonly unknown[] = []): Promise<T[]> {
    const sql = this.app.get(Sql);
    // A WITH that feeds a write without RETURNING gives no rows (better-sqlite3 refuses `all` on it).
    const writes = /^\s*with\b/i.test(text) && /\b(insert|update|delete)\b/i.test(text);
    if ((/^\s*(select|with|values|pragma)\b/i.test(text) && !writes) || /\breturning\b/i.test(text))
      return sql.all<T>(text, params);
    await sql.run(text, params);
    return [];
  }

  /** A supertest agent bound to the running server (no cookie jar: pass cookies explicitly). */
  get request() {
    return supertest(this.currentUrl);
  }

  /** Creates (once) a user with this role through the service, bypassing HTTP. */
  async user(role: Role, username = `test-${role}`): Promise<TestCredentials> {
    const known = this.users.get(username);
    if (known) return known;
    const password = `password-of-${username}`;
    const created = await this.app.get(UsersService).create({ username, password, role });
    const credentials = { id: created.id, username, password, role };
    this.users.set(username, credentials);
    return credentials;
  }

  /** Signs in a user with this role (created on first use) and returns fresh tokens and cookies. */
  async login(role: Role, username?: string): Promise<TestSession> {
    const { username: name, password } = await this.user(role, username);
    return this.loginAs(name, password);
  }

  async loginAs(username: string, password: string): Promise<TestSession> {
    const response = await this.request.post('/api/auth/login').send({ username, password });
    if (response.status !== 200) {
      throw new Error(`Login of ${username} failed: ${response.status} ${JSON.stringify(response.body)}`);
    }
    const body = response.body as { access_token: string; user: AuthUser };
    return {
      token: body.access_token,
      cookie: cookieFrom(response.headers['set-cookie'], accessCookieName),
      refreshCookie: cookieFrom(response.headers['set-cookie'], refreshCookieName),
      user: body.user,
      bearer: { Authorization: `Bearer ${body.access_token}` },
    };
  }

  /** Stops the server and boots a new one on the same root dir and database. */
  async restart(options: Omit<TestAppOptions, 'rootDir'> = this.options): Promise<void> {
    await this.app.close();
    this.options = options;
    const { app, url } = await TestApp.boot(this.rootDir, options);
    this.app = app;
    this.currentUrl = url;
  }

  async close(): Promise<void> {
    await this.app.close();
    if (this.ownsRootDir) await TestApp.removeRoot(this.rootDir);
    this.ownsRootDir = false;
  }

  private static async removeRoot(rootDir: string): Promise<void> {
    const database = databases.get(rootDir);
    databases.delete(rootDir);
    await database?.drop();
    await rm(rootDir, { recursive: true, force: true });
  }
}

export function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  return TestApp.start(options);
}
