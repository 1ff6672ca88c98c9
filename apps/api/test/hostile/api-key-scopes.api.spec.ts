import { apiScopes, type ApiScope, type CreatedApiKey } from '@atelier/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  concrete,
  expectRefusal,
  routes,
  snapshot,
  startHostileHarness,
  type ComfyHarness,
  type RouteSpec,
} from './hostile-kit.js';

/**
 * Issue 15, API keys × every route: the scope each route documents is the design's (null: keys refused),
 * a key lacking it is refused with 403 auth.insufficient_scope and changes nothing, and a key holding
 * exactly it gets past the scope check. The keys' owner is an admin, so the role never is what refuses.
 */
function expectedScope(route: RouteSpec): ApiScope[] | null {
  const { method, path } = route;
  const read = method === 'get';
  if (path === '/metrics' || path.startsWith('/api/admin/')) return ['admin'];
  if (path === '/api/auth/me') return []; // whoami: any key
  if (path === '/api/me/usage') return ['jobs:read'];
  if (path.startsWith('/api/comfy/ingest')) return ['gallery:write'];
  if (path.startsWith('/api/comfy/')) return [read ? 'jobs:read' : 'jobs:write'];
  if (path.startsWith('/api/boards')) return [read ? 'gallery:read' : 'boards:write'];
  // Background ZIP exports: queuing, cancelling and downloading one only reads the gallery.
  if (path.startsWith('/api/gallery/exports')) return ['gallery:read'];
  if (/^\/api\/(gallery|review|shares)(\/|$|\.)/.test(path)) return [read ? 'gallery:read' : 'gallery:write'];
  // Sign-in, password, sessions, the key and webhook routes: session only.
  return null;
}

const keyed = routes.filter((route) => route.access !== 'public');

let harness: ComfyHarness;
const keys = new Map<string, string>();

beforeAll(async () => {
  harness = await startHostileHarness();
  const admin = await harness.app.login('admin');
  // One key per scope set used below: all scopes, and all but one for each scope.
  const sets: ApiScope[][] = [
    [...apiScopes],
    ...apiScopes.map((left) => apiScopes.filter((s) => s !== left)),
  ];
  sets.push(...apiScopes.map((only) => [only]));
  for (const scopes of sets) {
    const name = scopes.join(' ');
    if (keys.has(name)) continue;
    const response = await harness.app.request
      .post('/api/me/api-keys')
      .set(admin.bearer)
      .send({ name, scopes });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    keys.set(name, (response.body as CreatedApiKey).key);
  }
});
afterAll(() => harness.close());

const keyWith = (scopes: readonly ApiScope[]) => {
  const key = keys.get(scopes.join(' '));
  if (!key) throw new Error(`no key with ${scopes.join(' ')}`);
  return key;
};
const allBut = (scope: ApiScope) => apiScopes.filter((s) => s !== scope);

function send(route: RouteSpec, key: string) {
  const request = harness.app.request[route.method](concrete(route.path, { name: 'no-such-template' })).set(
    'X-Api-Key',
    key,
  );
  return route.method === 'get' || route.method === 'delete' ? request : request.send({});
}

describe('the scope map', () => {
  it('every route documents the design’s scope (or none, when keys are refused)', async () => {
    const doc = (await harness.app.request.get('/api/docs-json').expect(200)).body as {
      paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
    };
    const documented = Object.fromEntries(
      keyed.map((route) => {
        const operation = doc.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method];
        const scheme = operation?.security?.find((entry) => 'x_api_key' in entry);
        return [`${route.method} ${route.path}`, scheme ? scheme.x_api_key : null];
      }),
    );
    const expected = Object.fromEntries(
      keyed.map((route) => [`${route.method} ${route.path}`, expectedScope(route)]),
    );
    expect(documented).toEqual(expected);
  });
});

const lacking = keyed.flatMap((route) => {
  const scopes = expectedScope(route);
  const name = `${route.method.toUpperCase()} ${route.path}`;
  if (scopes === null)
    return [{ name: `${name} refuses a key holding every scope`, route, key: [...apiScopes] }];
  return scopes.map((scope) => ({
    name: `${name} refuses a key without ${scope}`,
    route,
    key: allBut(scope),
  }));
});

describe('key × route', () => {
  it.each(lacking)('$name', async ({ route, key }) => {
    const before = await snapshot(harness);
    expectRefusal(await send(route, keyWith(key)), 403, 'auth.insufficient_scope');
    expect(await snapshot(harness)).toEqual(before);
  });

  const holding = keyed
    .map((route) => ({ route, scopes: expectedScope(route) }))
    .filter((c): c is { route: RouteSpec; scopes: ApiScope[] } => c.scopes !== null)
    .map(({ route, scopes }) => ({
      name: `${route.method.toUpperCase()} ${route.path} admits a key with ${scopes.join(' ') || 'any scope'}`,
      route,
      key: scopes.length === 1 ? scopes : ['jobs:read' as const],
    }));
  it.each(holding)('$name', async ({ route, key }) => {
    const response = await send(route, keyWith(key));
    expect(response.status, JSON.stringify(response.body)).toBeLessThan(500);
    expect(response.body?.code, JSON.stringify(response.body)).not.toBe('auth.insufficient_scope');
    expect([401, 403], JSON.stringify(response.body)).not.toContain(response.status);
  });
});
