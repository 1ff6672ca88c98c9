import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestSession } from '../test-app.js';
import {
  concrete,
  expectRefusedUnchanged,
  startHostileHarness,
  writeRoutes,
  type ComfyHarness,
} from './hostile-kit.js';

/**
 * Issue 10, hostile suite: a state change a browser could be tricked into sending (cookies, no Bearer header)
 * is refused 403 auth.csrf unless it comes from our own origin, on every write route, login included.
 */
let harness: ComfyHarness;
let admin: TestSession;

beforeAll(async () => {
  harness = await startHostileHarness();
  admin = await harness.app.login('admin');
});
afterAll(() => harness.close());

interface Variant {
  name: string;
  headers: () => Record<string, string>;
}

const cookies = () => `${admin.cookie}; ${admin.refreshCookie}`;
const port = () => new URL(harness.app.origin).port;

const variants: readonly Variant[] = [
  {
    name: 'cookies, a foreign Origin',
    headers: () => ({ Cookie: cookies(), Origin: 'https://evil.example' }),
  },
  { name: 'cookies, Origin null (sandboxed frame)', headers: () => ({ Cookie: cookies(), Origin: 'null' }) },
  {
    name: 'cookies, a neighbour on another port of our host',
    headers: () => ({ Cookie: cookies(), Origin: `http://127.0.0.1:${Number(port()) + 1}` }),
  },
  {
    name: 'cookies, our host as a subdomain of theirs',
    headers: () => ({ Cookie: cookies(), Origin: `http://127.0.0.1.evil.example:${port()}` }),
  },
  {
    name: 'cookies, no Origin and a foreign Referer',
    headers: () => ({ Cookie: cookies(), Referer: 'https://evil.example/page' }),
  },
  { name: 'cookies, neither Origin nor Referer', headers: () => ({ Cookie: cookies() }) },
  {
    name: 'no credentials, a foreign Origin (login CSRF)',
    headers: () => ({ Origin: 'https://evil.example' }),
  },
];

const cases = writeRoutes.flatMap((route) =>
  variants.map((variant) => ({
    name: `${route.method.toUpperCase()} ${route.path}: ${variant.name}`,
    route,
    variant,
  })),
);

describe('cross-site requests', () => {
  it('control: the same cookies from our own origin pass the check', async () => {
    const me = await harness.app.request
      .post('/api/auth/password')
      .set({ Cookie: cookies(), Origin: harness.app.origin })
      .send({});
    expect([me.status, me.body.code]).toEqual([400, 'validation_failed']);
  });

  it.each(cases)('$name → 403 auth.csrf', async ({ route, variant }) => {
    await expectRefusedUnchanged(
      harness,
      () =>
        harness.app.request[route.method](concrete(route.path, { id: String(admin.user.id) }))
          .set(variant.headers())
          .send(
            route.path === '/api/auth/login'
              ? { username: 'admin', password: 'admin-password-for-tests' }
              : {},
          ),
      403,
      'auth.csrf',
    );
  });
});
