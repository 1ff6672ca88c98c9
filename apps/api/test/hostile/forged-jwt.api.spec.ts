import { accessCookieName } from '@atelier/contract';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quickWorkflow } from '../comfy-kit.js';
import type { TestSession } from '../test-app.js';
import { UsersService } from '../../src/users/users.service.js';
import { expectRefusedUnchanged, startHostileHarness, type ComfyHarness } from './hostile-kit.js';

/** Issue 10, hostile suite: forged, tampered, expired and misplaced access tokens never get in. */
const secret = 'hostile-suite-jwt-secret-of-at-least-32-characters';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function sign(header: Record<string, unknown>, claims: Record<string, unknown>, key = secret): string {
  const head = `${b64(header)}.${b64(claims)}`;
  const algorithm = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' }[String(header.alg)] ?? 'sha256';
  return `${head}.${createHmac(algorithm, key).update(head).digest('base64url')}`;
}

function parts(token: string): [string, string, string] {
  const [head = '', payload = '', signature = ''] = token.split('.');
  return [head, payload, signature];
}

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(parts(token)[1], 'base64url').toString()) as Record<string, unknown>;
}

let harness: ComfyHarness;
let user: TestSession;
let admin: TestSession;
let ended: TestSession;
let disabled: TestSession;

beforeAll(async () => {
  harness = await startHostileHarness({ env: { ATELIER_JWT_SECRET: secret } });
  const { app } = harness;
  user = await app.login('user');
  admin = await app.login('admin');
  ended = await app.login('user', 'signed-out');
  await app.request.post('/api/auth/logout').set(ended.bearer).expect(204);
  disabled = await app.login('user', 'disabled');
  await app.nest.get(UsersService).update(disabled.user.id, { disabled: true });
});
afterAll(() => harness.close());

const now = () => Math.floor(Date.now() / 1000);
const hs256 = { alg: 'HS256', typ: 'JWT' };

/** The claims a real admin token carries, with `patch` on top. */
function adminClaims(patch: Record<string, unknown> = {}): Record<string, unknown> {
  return { ...claimsOf(admin.token), ...patch };
}

type Credential = { authorization?: string; cookie?: string };

const forgeries: readonly (readonly [string, () => Credential, 'auth.unauthenticated' | 'auth.disabled'])[] =
  [
    [
      'alg none, admin claims',
      () => ({ authorization: `Bearer ${b64({ alg: 'none' })}.${b64(adminClaims())}.` }),
      'auth.unauthenticated',
    ],
    [
      'alg None (capitalised), admin claims',
      () => ({ authorization: `Bearer ${b64({ alg: 'None' })}.${b64(adminClaims())}.` }),
      'auth.unauthenticated',
    ],
    [
      'a user token with admin sub, signature kept',
      () => {
        const [head, , signature] = parts(user.token);
        return {
          authorization: `Bearer ${head}.${b64({ ...claimsOf(user.token), sub: String(admin.user.id) })}.${signature}`,
        };
      },
      'auth.unauthenticated',
    ],
    [
      'a user token with a role claim added, signature kept',
      () => {
        const [head, , signature] = parts(user.token);
        return {
          authorization: `Bearer ${head}.${b64({ ...claimsOf(user.token), role: 'admin' })}.${signature}`,
        };
      },
      'auth.unauthenticated',
    ],
    [
      'a real token without its signature',
      () => ({ authorization: `Bearer ${parts(admin.token).slice(0, 2).join('.')}.` }),
      'auth.unauthenticated',
    ],
    [
      'a real token with two parts only',
      () => ({ authorization: `Bearer ${parts(admin.token).slice(0, 2).join('.')}` }),
      'auth.unauthenticated',
    ],
    [
      "a user token with the admin token's signature",
      () => ({ authorization: `Bearer ${parts(user.token).slice(0, 2).join('.')}.${parts(admin.token)[2]}` }),
      'auth.unauthenticated',
    ],
    [
      'signed with another secret',
      () => ({
        authorization: `Bearer ${sign(hs256, adminClaims(), 'another-secret-of-at-least-32-characters!')}`,
      }),
      'auth.unauthenticated',
    ],
    [
      'signed with an empty secret',
      () => ({ authorization: `Bearer ${sign(hs256, adminClaims(), '')}` }),
      'auth.unauthenticated',
    ],
    [
      'HS512 with the right secret (algorithm not pinned)',
      () => ({ authorization: `Bearer ${sign({ alg: 'HS512', typ: 'JWT' }, adminClaims())}` }),
      'auth.unauthenticated',
    ],
    [
      'HS384 with the right secret',
      () => ({ authorization: `Bearer ${sign({ alg: 'HS384', typ: 'JWT' }, adminClaims())}` }),
      'auth.unauthenticated',
    ],
    [
      'RS256 header, HMAC signature',
      () => ({ authorization: `Bearer ${sign({ alg: 'RS256', typ: 'JWT' }, adminClaims())}` }),
      'auth.unauthenticated',
    ],
    [
      'expired an hour ago',
      () => ({
        authorization: `Bearer ${sign(hs256, adminClaims({ iat: now() - 7200, exp: now() - 3600 }))}`,
      }),
      'auth.unauthenticated',
    ],
    [
      'not valid before tomorrow',
      () => ({ authorization: `Bearer ${sign(hs256, adminClaims({ nbf: now() + 86_400 }))}` }),
      'auth.unauthenticated',
    ],
    [
      'another issuer',
      () => ({ authorization: `Bearer ${sign(hs256, adminClaims({ iss: 'evil' }))}` }),
      'auth.unauthenticated',
    ],
    [
      'another audience',
      () => ({ authorization: `Bearer ${sign(hs256, adminClaims({ aud: 'comfyui' }))}` }),
      'auth.unauthenticated',
    ],
    [
      'no session id',
      () => ({ authorization: `Bearer ${sign(hs256, adminClaims({ sid: undefined }))}` }),
      'auth.unauthenticated',
    ],
    [
      'a session id never issued',
      () => ({ authorization: `Bearer ${sign(hs256, adminClaims({ sid: 'forged-session' }))}` }),
      'auth.unauthenticated',
    ],
    [
      'a non-numeric sub',
      () => ({ authorization: `Bearer ${sign(hs256, adminClaims({ sub: 'admin' }))}` }),
      'auth.unauthenticated',
    ],
    [
      'a numeric sub as a number',
      () => ({ authorization: `Bearer ${sign(hs256, adminClaims({ sub: admin.user.id }))}` }),
      'auth.unauthenticated',
    ],
    [
      'sub "1e0"',
      () => ({ authorization: `Bearer ${sign(hs256, adminClaims({ sub: '1e0' }))}` }),
      'auth.unauthenticated',
    ],
    [
      'sub of a user who does not exist',
      () => ({ authorization: `Bearer ${sign(hs256, adminClaims({ sub: '987654' }))}` }),
      'auth.disabled',
    ],
    [
      'a token whose session was signed out',
      () => ({ authorization: `Bearer ${ended.token}` }),
      'auth.unauthenticated',
    ],
    ['a token of a disabled user', () => ({ authorization: `Bearer ${disabled.token}` }), 'auth.disabled'],
    [
      'the refresh token as a bearer token',
      () => ({ authorization: `Bearer ${admin.refreshCookie.split('=')[1] ?? ''}` }),
      'auth.unauthenticated',
    ],
    ['Bearer with nothing after it', () => ({ authorization: 'Bearer ' }), 'auth.unauthenticated'],
    ['Bearer with garbage', () => ({ authorization: 'Bearer not-a-jwt' }), 'auth.unauthenticated'],
    [
      'Basic scheme with the admin password',
      () => ({ authorization: `Basic ${Buffer.from('admin:admin-password-for-tests').toString('base64')}` }),
      'auth.unauthenticated',
    ],
    [
      'an admin token after a bogus Bearer header (no cookie fallback)',
      () => ({ authorization: 'Bearer x', cookie: admin.cookie }),
      'auth.unauthenticated',
    ],
    [
      'alg none in the access cookie',
      () => ({ cookie: `${accessCookieName}=${b64({ alg: 'none' })}.${b64(adminClaims())}.` }),
      'auth.unauthenticated',
    ],
    [
      'a tampered access cookie',
      () => ({
        cookie: `${accessCookieName}=${parts(user.token).slice(0, 2).join('.')}x.${parts(user.token)[2]}`,
      }),
      'auth.unauthenticated',
    ],
    [
      'a kid header pointing at a file',
      () => ({
        authorization: `Bearer ${sign({ ...hs256, kid: '../../../../dev/null' }, adminClaims(), '')}`,
      }),
      'auth.unauthenticated',
    ],
    [
      'an 8 KB token',
      () => ({
        authorization: `Bearer ${sign(hs256, adminClaims({ pad: 'x'.repeat(6000) }), 'wrong-secret-of-at-least-32-characters!!')}`,
      }),
      'auth.unauthenticated',
    ],
  ];

const targets = [
  {
    name: 'GET /api/auth/me',
    send: (c: Credential) => withCredential(harness.app.request.get('/api/auth/me'), c),
  },
  {
    name: 'GET /api/admin/users',
    send: (c: Credential) => withCredential(harness.app.request.get('/api/admin/users'), c),
  },
  {
    name: 'POST /api/comfy/queue',
    send: (c: Credential) =>
      withCredential(harness.app.request.post('/api/comfy/queue'), c).send({ workflow: quickWorkflow() }),
  },
] as const;

function withCredential<T extends { set(name: string, value: string): T }>(
  request: T,
  credential: Credential,
): T {
  let result = request.set('Origin', harness.app.origin);
  if (credential.authorization !== undefined) result = result.set('Authorization', credential.authorization);
  if (credential.cookie !== undefined) result = result.set('Cookie', credential.cookie);
  return result;
}

const cases = forgeries.flatMap(([forgery, credential, code]) =>
  targets.map((target) => ({ name: `${target.name} with ${forgery}`, target, credential, code })),
);

describe('forged access tokens', () => {
  it('control: the genuine admin token and cookie get in through the same requests', async () => {
    const viaBearer = await targets[1].send({ authorization: `Bearer ${admin.token}` });
    const viaCookie = await targets[1].send({ cookie: admin.cookie });
    expect([viaBearer.status, viaCookie.status]).toEqual([200, 200]);
  });

  it.each(cases)('$name → 401', async ({ target, credential, code }) => {
    await expectRefusedUnchanged(harness, () => target.send(credential()), 401, code);
  });
});
