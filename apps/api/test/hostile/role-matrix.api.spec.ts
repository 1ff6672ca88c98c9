import type { Role } from '@atelier/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestSession } from '../test-app.js';
import {
  concrete,
  expectRefusal,
  routes,
  snapshot,
  startHostileHarness,
  type ComfyHarness,
  type RouteSpec,
} from './hostile-kit.js';

/** Issue 10, hostile suite: every route × every role; a role below the route's answers the exact refusal. */
type Caller = 'anonymous' | Role;
const callers: readonly Caller[] = ['anonymous', 'user', 'curator', 'admin'];
const rank: Record<Caller, number> = { anonymous: 0, user: 1, curator: 2, admin: 3 };
const needed: Record<RouteSpec['access'], number> = { public: 0, user: 1, curator: 2, admin: 3 };

let harness: ComfyHarness;
const sessions = new Map<Caller, TestSession>();

beforeAll(async () => {
  harness = await startHostileHarness();
  for (const role of ['user', 'curator', 'admin'] as const) sessions.set(role, await harness.app.login(role));
});
afterAll(() => harness.close());

async function send(route: RouteSpec, caller: Caller) {
  // A template that does not exist, so an allowed run can't queue anything.
  const url = concrete(route.path, { name: 'no-such-template' });
  let request = harness.app.request[route.method](url);
  // Logging out ends the session it is sent with: use a session of its own.
  const session =
    route.path === '/api/auth/logout' && caller !== 'anonymous'
      ? await harness.app.login(caller)
      : sessions.get(caller);
  if (session) request = request.set(session.bearer);
  return route.method === 'get' || route.method === 'delete' ? request : request.send({});
}

describe('the route list', () => {
  it('names every route the app serves (the OpenAPI document), so none is left out of the matrix', async () => {
    const doc = await harness.app.request.get('/api/docs-json').expect(200);
    const served = Object.entries(doc.body.paths as Record<string, Record<string, unknown>>)
      .flatMap(([path, methods]) =>
        Object.keys(methods).map((method) => `${method} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
      )
      .sort();
    expect(served).toEqual(routes.map((route) => `${route.method} ${route.path}`).sort());
  });

  it('is served with the web build in place (the SPA answers outside /api)', async () => {
    const page = await harness.app.request.get('/gallery');
    expect(page.text).toContain('atelier-spa');
  });
});

const matrix = routes.flatMap((route) =>
  callers.map((caller) => ({
    name: `${route.method.toUpperCase()} ${route.path} as ${caller}`,
    route,
    caller,
    allowed: rank[caller] >= needed[route.access],
  })),
);

describe('role × route', () => {
  it.each(matrix.filter((c) => !c.allowed))('$name is refused', async ({ route, caller }) => {
    const before = await snapshot(harness);
    const response = await send(route, caller);
    if (caller === 'anonymous') expectRefusal(response, 401, 'auth.unauthenticated');
    else expectRefusal(response, 403, 'auth.forbidden');
    expect(await snapshot(harness)).toEqual(before);
  });

  it.each(matrix.filter((c) => c.allowed))('$name passes the role check', async ({ route, caller }) => {
    const response = await send(route, caller);
    expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
    // Public routes may still answer 401 for what they check themselves (refresh without its cookie).
    const refusals = route.access === 'public' ? [403] : [401, 403];
    expect(refusals, JSON.stringify(response.body)).not.toContain(response.status);
  });
});
