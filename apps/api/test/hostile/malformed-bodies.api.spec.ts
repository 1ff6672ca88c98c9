import { afterAll, beforeAll, describe, it } from 'vitest';
import type { TestSession } from '../test-app.js';
import {
  concrete,
  expectRefusedUnchanged,
  startHostileHarness,
  writeRoutes,
  type ComfyHarness,
} from './hostile-kit.js';

/**
 * Issue 10, hostile suite: malformed bodies on every write route (the route list is checked complete by
 * role-matrix.api.spec), with the web build in place: 400 validation_failed, nothing changed, never 404 or 5xx.
 */
const depth = 100_000;
const malformed: Record<string, string> = {
  'truncated object': '{"username":',
  'truncated array': '[1',
  'trailing comma': '{"a":1,}',
  'single quotes': "{'a':1}",
  'bad escape': '{"a":"\\x"}',
  'unterminated string': '"abc',
  'lone surrogate escape, truncated': '{"a":"\\ud800',
  [`arrays nested ${depth} deep`]: '['.repeat(depth) + ']'.repeat(depth),
  [`objects nested ${depth} deep`]: '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
};

/** Routes that read a JSON object body: any other JSON value is refused too. */
const bodyRoutes = new Set([
  '/api/auth/login',
  '/api/auth/password',
  '/api/admin/config',
  '/api/admin/users',
  '/api/admin/users/:id',
  '/api/admin/users/:id/password',
  '/api/admin/limits/:role',
  '/api/comfy/queue',
  '/api/comfy/txt2img',
  '/api/comfy/workflows/:name/run',
  '/api/comfy/workflows/convert',
  '/api/comfy/ingest/from-job',
]);
const wrongShapes: Record<string, string> = {
  'a top-level array': '[]',
  'a top-level string': '"admin"',
  'a top-level number': '42',
  null: 'null',
  'a __proto__ key': '{"__proto__":{"role":"admin","isAdmin":true}}',
  'fields of the wrong type':
    '{"username":["admin"],"password":{"$ne":""},"workflow":"x","params":[],"prompt_id":7,"role":1,"disabled":"yes","caption":{},"current_password":1,"new_password":2}',
};

let harness: ComfyHarness;
let admin: TestSession;

beforeAll(async () => {
  harness = await startHostileHarness();
  admin = await harness.app.login('admin');
});
afterAll(() => harness.close());

const cases = [
  ...writeRoutes.flatMap((route) => Object.entries(malformed).map(([kind, body]) => ({ route, kind, body }))),
  ...writeRoutes
    .filter((route) => bodyRoutes.has(route.path))
    .flatMap((route) => Object.entries(wrongShapes).map(([kind, body]) => ({ route, kind, body }))),
].map((c) => ({ ...c, name: `${c.route.method.toUpperCase()} ${c.route.path} with ${c.kind}` }));

describe('malformed bodies', () => {
  it.each(cases)('$name → 400 validation_failed', async ({ route, body }) => {
    await expectRefusedUnchanged(
      harness,
      () =>
        harness.app.request[route.method](concrete(route.path, { id: String(admin.user.id) }))
          .set(admin.bearer)
          .set('Content-Type', 'application/json')
          .send(body),
      400,
      'validation_failed',
    );
  });
});
