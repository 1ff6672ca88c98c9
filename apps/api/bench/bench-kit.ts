/**
 * What the bench groups share: the simulator on its own thread, an API instance on this thread, signing
 * in, and the table formatting. Each group sets up its own instances, so one group's state (caches,
 * sockets, open streams) never colours another's figures.
 */
import type { NestExpressApplication } from '@nestjs/platform-express';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '#api/config/load-config.js';
import { createApp } from '#api/create-app.js';
import { message, percentile, worker } from './harness.js';

export const benchPassword = 'bench-admin-password';

export const fmt = (value: number, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '—');
export const pad = (value: string, width: number) => value.padStart(width);

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export async function json<T>(url: string, init: RequestInit): Promise<T> {
  const response = await fetch(url, init);
  if (!response.ok)
    throw new Error(`${init.method ?? 'GET'} ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export interface BenchSim {
  url: string;
  dataDir: string;
  close(): Promise<void>;
}

/** The ComfyUI simulator on a worker thread, so it does not share the API's event loop. */
export async function startSim(stepMs: number): Promise<BenchSim> {
  const simWorker = worker('./sim.worker.js', { stepMs });
  const sim = await message<{ url: string; dataDir: string }>(simWorker);
  return {
    ...sim,
    close: async () => {
      simWorker.postMessage('close');
      await new Promise((resolve) => simWorker.once('exit', resolve));
    },
  };
}

/** A scratch folder for a group's API instances, removed by `remove`. */
export async function scratchDir(group: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `atelier-bench-${group}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

/** The environment of a bench API: silent logs, the admin, ComfyUI on the simulator, plus `extra`. */
export function benchEnv(rootDir: string, simUrl: string, extra: Record<string, string> = {}) {
  return {
    ATELIER_ROOT_DIR: rootDir,
    LOG_LEVEL: 'silent',
    ATELIER_ADMIN_USERNAME: 'admin',
    ATELIER_ADMIN_PASSWORD: benchPassword,
    COMFY_ENABLED: 'true',
    COMFY_API_URL: simUrl,
    ...extra,
  };
}

export interface BenchApi {
  app: NestExpressApplication;
  api: string;
}

/** The API as it ships (`createApp`), listening on an ephemeral loopback port of this thread. */
export async function startApi(env: Record<string, string>): Promise<BenchApi> {
  const app = await createApp(loadConfig(env));
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address();
  return { app, api: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}` };
}

export interface BenchSession {
  /** `name=value` of the access cookie. */
  cookie: string;
  bearer: Record<string, string>;
}

export async function signIn(api: string, username: string, password: string): Promise<BenchSession> {
  const login = await fetch(`${api}/api/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (!login.ok) throw new Error(`bench sign-in of ${username}: ${login.status}`);
  const cookie = login.headers.getSetCookie().find((c) => /^(__Host-)?atelier_access=/.test(c)) ?? '';
  const { access_token: token } = (await login.json()) as { access_token: string };
  return { cookie: cookie.split(';')[0] ?? '', bearer: { Authorization: `Bearer ${token}` } };
}
