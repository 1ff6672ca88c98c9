import type { ErrorCode } from '@atelier/contract';
import { DataSource } from 'typeorm';
import { expect } from 'vitest';
import { presetFiles, simJson, startComfyHarness, type ComfyHarness } from '../comfy-kit.js';
import { filesUnder } from '../gallery-fixtures.js';
import type { TestApp } from '../test-app.js';

/**
 * The hostile-input suite's shared parts (issue 10): one app per family, booted with the web build in place
 * (STACK trap 11: serve-static used to turn API errors into 404s), a snapshot of everything a request could
 * change (row counts, files under generated/, ComfyUI's queue and history), and the exact-refusal assertion.
 */
export const webBuild = { 'apps/web/dist/index.html': '<!doctype html><div id="app">atelier-spa</div>' };

/** Generous limits so a family's many cases are refused for what they are, not for their rate. */
export const roomyLimits = {
  ATELIER_COMFY_VIEW_RATE: '10000',
  ATELIER_COMFY_VIEW_BURST: '10000',
  ATELIER_LOGIN_MAX_FAILURES: '1000',
  ATELIER_LOGIN_ACCOUNT_MAX_FAILURES: '1000',
} as const;

export function startHostileHarness(
  options: { env?: Record<string, string>; files?: Record<string, string>; stepMs?: number } = {},
): Promise<ComfyHarness> {
  return startComfyHarness({
    sim: { stepMs: options.stepMs ?? 2 },
    env: { ...roomyLimits, ...options.env },
    app: { files: { ...presetFiles, ...webBuild, ...options.files } },
  });
}

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Every route of the API, as the controllers declare them (route-list.api.spec keeps it complete). */
export interface RouteSpec {
  method: Method;
  path: string;
  /** Who may call it: public, any signed-in user, curator, or admin. */
  access: 'public' | 'user' | 'curator' | 'admin';
}

export const routes: readonly RouteSpec[] = [
  { method: 'get', path: '/api/health', access: 'public' },
  // Outside /api, for Prometheus scrapers: the configured token (ATELIER_METRICS_TOKEN) or an admin session.
  { method: 'get', path: '/metrics', access: 'admin' },
  { method: 'post', path: '/api/auth/login', access: 'public' },
  { method: 'post', path: '/api/auth/refresh', access: 'public' },
  { method: 'post', path: '/api/auth/logout', access: 'public' },
  { method: 'get', path: '/api/auth/me', access: 'user' },
  { method: 'post', path: '/api/auth/password', access: 'user' },
  // Your own sessions only: another user's id answers 404 like an unknown one.
  { method: 'get', path: '/api/auth/sessions', access: 'user' },
  { method: 'delete', path: '/api/auth/sessions', access: 'user' },
  { method: 'delete', path: '/api/auth/sessions/:id', access: 'user' },
  // Your own API keys (session only: a key cannot mint, list or revoke keys); another user's id answers 404.
  { method: 'post', path: '/api/me/api-keys', access: 'user' },
  { method: 'get', path: '/api/me/api-keys', access: 'user' },
  { method: 'delete', path: '/api/me/api-keys/:id', access: 'user' },
  { method: 'get', path: '/api/admin/config', access: 'admin' },
  { method: 'patch', path: '/api/admin/config', access: 'admin' },
  { method: 'get', path: '/api/admin/users', access: 'admin' },
  { method: 'post', path: '/api/admin/users', access: 'admin' },
  { method: 'patch', path: '/api/admin/users/:id', access: 'admin' },
  { method: 'post', path: '/api/admin/users/:id/password', access: 'admin' },
  { method: 'get', path: '/api/admin/comfy/managed', access: 'admin' },
  { method: 'get', path: '/api/admin/audit', access: 'admin' },
  { method: 'get', path: '/api/admin/backends', access: 'admin' },
  { method: 'post', path: '/api/admin/backends', access: 'admin' },
  { method: 'patch', path: '/api/admin/backends/:id', access: 'admin' },
  { method: 'delete', path: '/api/admin/backends/:id', access: 'admin' },
  { method: 'get', path: '/api/admin/background', access: 'admin' },
  { method: 'post', path: '/api/admin/background/:queue/:id/retry', access: 'admin' },
  { method: 'post', path: '/api/admin/gallery/thumbnails/backfill', access: 'admin' },
  { method: 'get', path: '/api/admin/limits', access: 'admin' },
  { method: 'get', path: '/api/admin/limits/:role', access: 'admin' },
  { method: 'put', path: '/api/admin/limits/:role', access: 'admin' },
  { method: 'get', path: '/api/admin/usage', access: 'admin' },
  { method: 'get', path: '/api/me/usage', access: 'user' },
  { method: 'post', path: '/api/admin/comfy/managed/restart', access: 'admin' },
  { method: 'get', path: '/api/comfy/health', access: 'user' },
  { method: 'get', path: '/api/comfy/status/:promptId', access: 'user' },
  { method: 'post', path: '/api/comfy/cancel/:promptId', access: 'user' },
  { method: 'get', path: '/api/comfy/history/:promptId', access: 'user' },
  { method: 'get', path: '/api/comfy/jobs', access: 'user' },
  // Atelier's own queue: pause/resume with ?all=1 is for admins (the service answers 403 to others).
  { method: 'get', path: '/api/comfy/queue', access: 'user' },
  { method: 'patch', path: '/api/comfy/queue', access: 'user' },
  { method: 'post', path: '/api/comfy/queue/pause', access: 'user' },
  { method: 'post', path: '/api/comfy/queue/resume', access: 'user' },
  { method: 'patch', path: '/api/comfy/jobs/:promptId', access: 'user' },
  { method: 'post', path: '/api/comfy/jobs/:promptId/retry', access: 'user' },
  { method: 'get', path: '/api/comfy/object-info', access: 'user' },
  { method: 'get', path: '/api/comfy/view', access: 'user' },
  { method: 'get', path: '/api/comfy/jobs/:promptId/preview', access: 'user' },
  { method: 'get', path: '/api/comfy/jobs/:promptId/workflow', access: 'user' },
  { method: 'get', path: '/api/comfy/stream/:promptId', access: 'user' },
  { method: 'post', path: '/api/comfy/queue', access: 'user' },
  { method: 'post', path: '/api/comfy/txt2img', access: 'user' },
  { method: 'post', path: '/api/comfy/workflows/:name/run', access: 'user' },
  { method: 'post', path: '/api/comfy/workflows/convert', access: 'user' },
  { method: 'post', path: '/api/comfy/workflows/import', access: 'user' },
  { method: 'get', path: '/api/comfy/workflows', access: 'user' },
  { method: 'get', path: '/api/comfy/workflows/:name', access: 'user' },
  { method: 'post', path: '/api/comfy/workflows', access: 'curator' },
  { method: 'post', path: '/api/comfy/workflows/:name/versions', access: 'curator' },
  { method: 'get', path: '/api/comfy/presets', access: 'user' },
  { method: 'post', path: '/api/comfy/sweeps', access: 'user' },
  { method: 'get', path: '/api/comfy/sweeps/:id', access: 'user' },
  { method: 'get', path: '/api/comfy/sweeps/:id/contact-sheet.png', access: 'user' },
  { method: 'post', path: '/api/comfy/upload', access: 'user' },
  { method: 'post', path: '/api/comfy/ingest', access: 'curator' },
  { method: 'post', path: '/api/comfy/ingest/from-job', access: 'curator' },
  { method: 'get', path: '/api/gallery/images', access: 'user' },
  { method: 'get', path: '/api/gallery/images/:id', access: 'user' },
  { method: 'get', path: '/api/gallery/images/:id/file', access: 'user' },
  { method: 'get', path: '/api/gallery/images/:id/thumbnail', access: 'user' },
  { method: 'get', path: '/api/gallery/images/:id/workflow', access: 'user' },
  // Moves to the trash: any user, for their own images (the service answers 403/404 for others').
  { method: 'delete', path: '/api/gallery/images/:id', access: 'user' },
  { method: 'post', path: '/api/gallery/images/:id/restore', access: 'user' },
  { method: 'patch', path: '/api/gallery/images/:id', access: 'user' },
  { method: 'get', path: '/api/gallery/images/:id/similar', access: 'user' },
  { method: 'get', path: '/api/gallery/images/:id/lineage', access: 'user' },
  { method: 'get', path: '/api/gallery/facets', access: 'user' },
  { method: 'get', path: '/api/gallery/compare', access: 'user' },
  { method: 'get', path: '/api/gallery/values', access: 'user' },
  { method: 'post', path: '/api/gallery/keep', access: 'user' },
  { method: 'get', path: '/api/review', access: 'curator' },
  { method: 'get', path: '/api/gallery/export.zip', access: 'user' },
  { method: 'post', path: '/api/gallery/exports', access: 'user' },
  { method: 'get', path: '/api/gallery/exports/:id', access: 'user' },
  { method: 'get', path: '/api/gallery/exports/:id/download', access: 'user' },
  { method: 'delete', path: '/api/gallery/exports/:id', access: 'user' },
  { method: 'post', path: '/api/gallery/bulk', access: 'user' },
  { method: 'get', path: '/api/boards', access: 'user' },
  { method: 'post', path: '/api/boards', access: 'user' },
  { method: 'get', path: '/api/boards/:id', access: 'user' },
  { method: 'patch', path: '/api/boards/:id', access: 'user' },
  { method: 'delete', path: '/api/boards/:id', access: 'user' },
  // Share links: owners list and revoke their own (admins everyone's with ?all=1); the rest is the public page's.
  { method: 'post', path: '/api/shares', access: 'user' },
  { method: 'get', path: '/api/shares', access: 'user' },
  { method: 'delete', path: '/api/shares/:id', access: 'user' },
  { method: 'get', path: '/api/public/shares/:token', access: 'public' },
  { method: 'get', path: '/api/public/shares/:token/images/:id/file', access: 'public' },
  { method: 'get', path: '/api/public/shares/:token/images/:id/thumbnail', access: 'public' },
  { method: 'post', path: '/api/public/shares/:token/unlock', access: 'public' },
  // Your own webhooks (session only: keys are refused); another user's id answers 404. Admins: GET ?all=1.
  { method: 'post', path: '/api/me/webhooks', access: 'user' },
  { method: 'get', path: '/api/me/webhooks', access: 'user' },
  { method: 'patch', path: '/api/me/webhooks/:id', access: 'user' },
  { method: 'delete', path: '/api/me/webhooks/:id', access: 'user' },
  { method: 'get', path: '/api/me/webhooks/:id/deliveries', access: 'user' },
  { method: 'post', path: '/api/me/webhooks/:id/test', access: 'user' },
  { method: 'post', path: '/api/me/webhooks/:id/deliveries/:deliveryId/redeliver', access: 'user' },
];

export const writeRoutes = routes.filter((route) => route.method !== 'get');

/** A concrete URL for a route: path parameters filled with harmless values of the right shape. */
export function concrete(
  path: string,
  params: Partial<Record<'id' | 'promptId' | 'name' | 'role', string>> = {},
) {
  return path
    .replace(':role', params.role ?? 'user')
    .replace(':id', params.id ?? '999999')
    .replace(':promptId', params.promptId ?? 'no-such-prompt')
    .replace(':name', params.name ?? 'sample_basic_sdxl')
    .replace(':queue', 'no-such-queue');
}

export interface Snapshot {
  rows: Record<string, number>;
  files: string[];
  queue: unknown;
  historyIds: string[];
}

/** Everything a refused request must leave as it was. */
export async function snapshot(harness: ComfyHarness): Promise<Snapshot> {
  const { app, sim } = harness;
  const db = app.nest.get(DataSource);
  const tables = await app.sql<{ name: string }>(
    app.engine === 'sqlite'
      ? "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
      : "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name",
  );
  const rows: Record<string, number> = {};
  for (const { name } of tables) {
    const [count] = await db.query<{ n: number }[]>(`SELECT COUNT(*) AS n FROM "${name}"`);
    rows[name] = count?.n ?? 0;
  }
  const queue = await simJson(sim, '/queue');
  const history = (await simJson(sim, '/history')) as Record<string, unknown>;
  return { rows, files: await filesUnder(app, 'generated'), queue, historyIds: Object.keys(history).sort() };
}

/** Asserts the exact refusal: status, contract code, a JSON error body, and no internals in it. */
export function expectRefusal(
  response: { status: number; body: unknown; headers: Record<string, string | string[] | undefined> },
  status: number,
  code: ErrorCode,
): void {
  const body = response.body as { code?: unknown; message?: unknown };
  expect({ status: response.status, code: body?.code }).toEqual({ status, code });
  expect(typeof body.message).toBe('string');
  expect(String(response.headers['content-type'])).toMatch(/application\/json/);
  // No stack, no module path, no loopback address of ours (the simulator's; 8188 is ComfyUI's default in examples).
  expect(JSON.stringify(response.body)).not.toMatch(
    /\bat .+\.(?:ts|js):\d+|node_modules|127\.0\.0\.1:(?!8188\b)\d+/,
  );
}

/** Runs a request, asserts its refusal and that nothing changed. */
export async function expectRefusedUnchanged(
  harness: ComfyHarness,
  send: () => PromiseLike<{
    status: number;
    body: unknown;
    headers: Record<string, string | string[] | undefined>;
  }>,
  status: number,
  code: ErrorCode,
): Promise<void> {
  const before = await snapshot(harness);
  const response = await send();
  expectRefusal(response, status, code);
  expect(await snapshot(harness)).toEqual(before);
}

export type { ComfyHarness, TestApp };
