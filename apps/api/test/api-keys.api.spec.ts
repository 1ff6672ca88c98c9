import type { ApiKeyListResponse, ApiScope, CreatedApiKey } from '@atelier/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { simJson, startComfyHarness, waitFor, type ComfyHarness } from './comfy-kit.js';
import { createTestApp, LogCollector, type TestApp, type TestSession } from './test-app.js';

let harness: ComfyHarness;
let app: TestApp;

beforeEach(async () => {
  harness = await startComfyHarness({
    sim: { stepMs: 2, models: { checkpoints: ['fake-model.safetensors'] } },
  });
  app = harness.app;
});
afterEach(() => harness.close());

async function createKey(
  session: TestSession,
  scopes: ApiScope[],
  extra: Record<string, unknown> = {},
): Promise<CreatedApiKey> {
  const response = await app.request
    .post('/api/me/api-keys')
    .set(session.bearer)
    .send({ name: `key ${scopes.join(' ')}`, scopes, ...extra });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as CreatedApiKey;
}

const withKey = (key: string) => ({ Authorization: `Bearer ${key}` });
const txt2img = { caption: 'a red fox', width: 64, height: 64, steps: 2 };

describe('API keys: shown once, stored hashed', () => {
  it('answers the secret once; the list shows the prefix and last use, never the secret or its hash', async () => {
    const user = await app.login('user');
    const created = await createKey(user, ['gallery:read']);
    expect(created.key).toMatch(/^atl_[A-Za-z0-9_-]{43}$/);
    expect(created.prefix).toBe(created.key.slice(0, 12));
    expect(created.last_used_at).toBeNull();

    const rows = await app.sql('SELECT * FROM "api_keys"');
    expect(JSON.stringify(rows)).not.toContain(created.key);

    await app.request.get('/api/auth/me').set(withKey(created.key)).expect(200);
    const list = (await app.request.get('/api/me/api-keys').set(user.bearer).expect(200))
      .body as ApiKeyListResponse;
    expect(list.items).toHaveLength(1);
    const [item] = list.items;
    expect(item).toMatchObject({ id: created.id, prefix: created.prefix, scopes: ['gallery:read'] });
    expect(item).not.toHaveProperty('key');
    expect(JSON.stringify(list)).not.toContain(created.key.slice(12));
    expect(item?.last_used_at).not.toBeNull();
    expect(item?.last_used_ip).toMatch(/127\.0\.0\.1/);
  });

  it('works as X-Api-Key too, and whoami answers the owner', async () => {
    const user = await app.login('user');
    const { key } = await createKey(user, ['jobs:read']);
    const me = await app.request.get('/api/auth/me').set('X-Api-Key', key).expect(200);
    expect(me.body).toMatchObject({ id: user.user.id, role: 'user' });
  });

  it('refuses bad requests with 400 and an admin scope for a non-admin with 403', async () => {
    const user = await app.login('user');
    const post = (body: unknown) =>
      app.request
        .post('/api/me/api-keys')
        .set(user.bearer)
        .send(body as object);
    for (const body of [
      { name: 'x', scopes: ['root'] },
      { name: 'x', scopes: [] },
      { name: '', scopes: ['jobs:read'] },
      { name: 'x', scopes: ['jobs:read'], expires_at: 'tomorrow' },
      { name: 'x', scopes: ['jobs:read'], expires_at: '2001-01-01T00:00:00Z' },
    ]) {
      const response = await post(body);
      expect({ status: response.status, code: response.body.code }).toEqual({
        status: 400,
        code: 'validation_failed',
      });
    }
    const admin = await post({ name: 'x', scopes: ['admin'] });
    expect({ status: admin.status, code: admin.body.code }).toEqual({ status: 403, code: 'auth.forbidden' });
    const list = (await app.request.get('/api/me/api-keys').set(user.bearer).expect(200))
      .body as ApiKeyListResponse;
    expect(list.items).toEqual([]);
  });
});

describe('API keys: scopes', () => {
  it('a gallery:read key cannot queue a job; a jobs:write key can', async () => {
    const user = await app.login('user');
    const reader = await createKey(user, ['gallery:read']);
    await app.request.get('/api/gallery/images').set(withKey(reader.key)).expect(200);
    const refused = await app.request.post('/api/comfy/txt2img').set(withKey(reader.key)).send(txt2img);
    expect({ status: refused.status, code: refused.body.code }).toEqual({
      status: 403,
      code: 'auth.insufficient_scope',
    });
    expect(await simJson(harness.sim, '/history')).toEqual({});

    const writer = await createKey(user, ['jobs:write', 'jobs:read']);
    const queued = await app.request.post('/api/comfy/txt2img').set('X-Api-Key', writer.key).send(txt2img);
    expect(queued.status, JSON.stringify(queued.body)).toBe(201);
    const promptId = (queued.body as { prompt_id: string }).prompt_id;
    await waitFor(
      async () =>
        (
          (await app.request.get(`/api/comfy/status/${promptId}`).set(withKey(writer.key))).body as {
            status: string;
          }
        ).status,
      (status) => status === 'succeeded',
    );
  });

  it('refuses keys on routes without scopes: sessions, password, the key routes themselves', async () => {
    const user = await app.login('user');
    const { key, id } = await createKey(user, [
      'jobs:read',
      'jobs:write',
      'gallery:read',
      'gallery:write',
      'boards:write',
    ]);
    for (const call of [
      app.request.get('/api/auth/sessions').set(withKey(key)),
      app.request.get('/api/me/api-keys').set(withKey(key)),
      app.request
        .post('/api/me/api-keys')
        .set(withKey(key))
        .send({ name: 'child', scopes: ['jobs:read'] }),
      app.request.delete(`/api/me/api-keys/${id}`).set(withKey(key)),
      app.request
        .post('/api/auth/password')
        .set(withKey(key))
        .send({ current_password: 'x', new_password: 'y'.repeat(12) }),
    ]) {
      const response = await call;
      expect({ status: response.status, code: response.body.code }).toEqual({
        status: 403,
        code: 'auth.insufficient_scope',
      });
    }
    const list = (await app.request.get('/api/me/api-keys').set(user.bearer).expect(200))
      .body as ApiKeyListResponse;
    expect(list.items.map((item) => item.id)).toEqual([id]);
  });

  it("a demoted admin's key loses the admin scope at once, and a disabled owner's key stops", async () => {
    const admin = await app.login('admin');
    const other = await app.login('admin', 'second-admin');
    const { key } = await createKey(other, ['admin']);
    await app.request.get('/api/admin/users').set(withKey(key)).expect(200);

    await app.request
      .patch(`/api/admin/users/${other.user.id}`)
      .set(admin.bearer)
      .send({ role: 'user' })
      .expect(200);
    const demoted = await app.request.get('/api/admin/users').set(withKey(key));
    expect(demoted.status).toBe(403);
    // Even on a route the role allows, the admin scope no longer counts: the key holds nothing else.
    await app.request.get('/api/auth/me').set(withKey(key)).expect(200);

    await app.request
      .patch(`/api/admin/users/${other.user.id}`)
      .set(admin.bearer)
      .send({ disabled: true })
      .expect(200);
    const disabled = await app.request.get('/api/auth/me').set(withKey(key));
    expect({ status: disabled.status, code: disabled.body.code }).toEqual({
      status: 401,
      code: 'auth.disabled',
    });
  });

  it('a curator-only route still needs the role: a user key with gallery:read cannot read the review queue', async () => {
    const user = await app.login('user');
    const curator = await app.login('curator');
    const userKey = await createKey(user, ['gallery:read']);
    const curatorKey = await createKey(curator, ['gallery:read']);
    expect((await app.request.get('/api/review').set(withKey(userKey.key))).status).toBe(403);
    await app.request.get('/api/review').set(withKey(curatorKey.key)).expect(200);
  });
});

describe('API keys: refusals', () => {
  it('an unknown, revoked or expired key gets 401; another user cannot revoke it', async () => {
    const user = await app.login('user');
    const stranger = await app.login('user', 'stranger');
    const unknown = await app.request.get('/api/auth/me').set(withKey(`atl_${'A'.repeat(43)}`));
    expect({ status: unknown.status, code: unknown.body.code }).toEqual({
      status: 401,
      code: 'auth.unauthenticated',
    });

    const revoked = await createKey(user, ['jobs:read']);
    await app.request.delete(`/api/me/api-keys/${revoked.id}`).set(stranger.bearer).expect(404);
    await app.request.get('/api/auth/me').set(withKey(revoked.key)).expect(200);
    await app.request.delete(`/api/me/api-keys/${revoked.id}`).set(user.bearer).expect(204);
    await app.request.get('/api/auth/me').set(withKey(revoked.key)).expect(401);
    await app.request.delete(`/api/me/api-keys/${revoked.id}`).set(user.bearer).expect(404);

    const expiring = await createKey(user, ['jobs:read'], {
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    });
    await app.request.get('/api/auth/me').set('X-Api-Key', expiring.key).expect(200);
    await app.sql(`UPDATE "api_keys" SET "expires_at" = ? WHERE "id" = ?`, [
      new Date('2001-01-01T00:00:00Z'),
      expiring.id,
    ]);
    const expired = await app.request.get('/api/auth/me').set('X-Api-Key', expiring.key);
    expect({ status: expired.status, code: expired.body.code }).toEqual({
      status: 401,
      code: 'auth.unauthenticated',
    });
  });

  it('a key never works from a cookie, and X-Api-Key is judged alone (a session token beside it does not help)', async () => {
    const user = await app.login('user');
    const { key } = await createKey(user, ['jobs:read']);
    for (const name of ['atelier_access', '__Host-atelier_access']) {
      const response = await app.request.get('/api/auth/me').set('Cookie', `${name}=${key}`);
      expect(response.status).toBe(401);
    }
    const bogus = await app.request.get('/api/auth/me').set(user.bearer).set('X-Api-Key', 'atl_nope');
    expect(bogus.status).toBe(401);
  });

  it('CSRF does not apply to key requests, and still applies to cookie ones', async () => {
    const user = await app.login('user');
    const { key } = await createKey(user, ['boards:write']);
    const board = { name: 'from a script' };
    await app.request
      .post('/api/boards')
      .set('X-Api-Key', key)
      .set('Origin', 'https://elsewhere.example')
      .send(board)
      .expect(201);
    await app.request.post('/api/boards').set(withKey(key)).send(board).expect(201);
    const cookie = await app.request
      .post('/api/boards')
      .set('Cookie', user.cookie)
      .set('Origin', 'https://elsewhere.example')
      .send(board);
    expect({ status: cookie.status, code: cookie.body.code }).toEqual({ status: 403, code: 'auth.csrf' });
  });
});

describe('API keys: documented and kept out of the logs', () => {
  it('the OpenAPI document names both schemes and each route’s scopes', async () => {
    const doc = (await app.request.get('/api/docs-json').expect(200)).body as {
      components: { securitySchemes: Record<string, Record<string, unknown>> };
      paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
    };
    expect(doc.components.securitySchemes.api_key).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.x_api_key).toMatchObject({
      type: 'apiKey',
      in: 'header',
      name: 'X-Api-Key',
    });
    expect(doc.paths['/api/comfy/txt2img']?.post?.security).toEqual(
      expect.arrayContaining([{ api_key: ['jobs:write'] }, { x_api_key: ['jobs:write'] }]),
    );
  });
});

describe('API keys in logs', () => {
  it('X-Api-Key is redacted from request logs', async () => {
    const logs = new LogCollector();
    const logged = await createTestApp({ env: { LOG_LEVEL: 'info' }, logs });
    try {
      const user = await logged.login('user');
      const response = await logged.request
        .post('/api/me/api-keys')
        .set(user.bearer)
        .send({ name: 'logged', scopes: ['jobs:read'] })
        .expect(201);
      const key = (response.body as CreatedApiKey).key;
      await logged.request.get('/api/auth/me').set('X-Api-Key', key).expect(200);
      await logged.request.get('/api/comfy/jobs').set('X-Api-Key', key);
      await waitFor(
        () => logs.text,
        (text) => text.includes('/api/comfy/jobs'),
      );
      expect(logs.text).not.toContain(key.slice(4));
    } finally {
      await logged.close();
    }
  });
});
