import type { CreatedApiKey, SessionListResponse } from '@atelier/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sql } from '../../src/database/sql.js';
import { createTestApp, type TestApp } from '../test-app.js';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database.js';

/**
 * The per-request authentication path on Postgres (the Sql port's queries: the enabled user, the live
 * session, the API key by hash), through real HTTP: sign-in, /me, refresh, logout, sessions, a user
 * disabled and demoted mid-session, and an API key used, revoked and refused. Needs ATELIER_TEST_DATABASE_URL.
 */
describe('signed-in requests on Postgres', () => {
  let database: ScratchDatabase;
  let app: TestApp;

  beforeAll(async () => {
    database = await createScratchDatabase('atelier_auth');
    app = await createTestApp({ env: { ATELIER_DATABASE_URL: database.url } });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    await database?.drop();
  });

  it('runs on the Postgres adapter', () => {
    expect(app.nest.get(Sql).dialect).toBe('postgres');
  });

  it('signs in, answers /me by bearer and by cookie, rotates the refresh token and lists the sessions', async () => {
    const session = await app.login('user', 'pg-reader');
    const me = await app.request.get('/api/auth/me').set(session.bearer).expect(200);
    expect(me.body).toMatchObject({ id: session.user.id, username: 'pg-reader', role: 'user' });
    await app.request.get('/api/auth/me').set('Cookie', session.cookie).expect(200);

    const refreshed = await app.request
      .post('/api/auth/refresh')
      .set('Origin', app.origin)
      .set('Cookie', session.refreshCookie);
    expect(refreshed.status).toBe(200);
    const second = await app.loginAs('pg-reader', 'password-of-pg-reader');
    const sessions = await app.request.get('/api/auth/sessions').set(second.bearer).expect(200);
    // Listed by comparing the tokens' expiry with now (a timestamptz), the newest first.
    const items = (sessions.body as SessionListResponse).items;
    expect(items).toHaveLength(2);
    expect(items[0]?.is_current).toBe(true);
    expect(items[1]?.is_current).toBe(false);
    for (const item of items) expect(Date.parse(item.expires_at)).toBeGreaterThan(Date.now());
  });

  it('logout ends that session at the next request and leaves the other one working', async () => {
    const session = await app.login('user', 'pg-leaver');
    const other = await app.login('user', 'pg-leaver');
    await app.request
      .post('/api/auth/logout')
      .set('Origin', app.origin)
      .set('Cookie', [session.cookie, session.refreshCookie])
      .expect(204);
    const refused = await app.request.get('/api/auth/me').set(session.bearer);
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('auth.unauthenticated');
    await app.request
      .post('/api/auth/refresh')
      .set('Origin', app.origin)
      .set('Cookie', session.refreshCookie)
      .expect(401);
    await app.request.get('/api/auth/me').set(other.bearer).expect(200);
  });

  it('refuses a user disabled mid-session at once, and counts a role change on the next request', async () => {
    const admin = await app.login('admin');
    const second = await app.user('admin', 'pg-second-admin');
    const secondSession = await app.loginAs(second.username, second.password);
    // Demoting an admin while another enabled one exists (the update's EXISTS on a boolean column).
    await app.request
      .patch(`/api/admin/users/${second.id}`)
      .set(admin.bearer)
      .send({ role: 'user' })
      .expect(200);
    const demoted = await app.request.get('/api/auth/me').set(secondSession.bearer).expect(200);
    expect(demoted.body).toMatchObject({ role: 'user' });

    const user = await app.login('user', 'pg-disabled');
    await app.request
      .patch(`/api/admin/users/${user.user.id}`)
      .set(admin.bearer)
      .send({ disabled: true })
      .expect(200);
    expect((await app.request.get('/api/auth/me').set(user.bearer)).status).toBe(401);
  });

  it('takes an API key in a header, marks its use, and refuses it once revoked', async () => {
    const owner = await app.login('user', 'pg-key-owner');
    const created = await app.request
      .post('/api/me/api-keys')
      .set(owner.bearer)
      .send({ name: 'pg key', scopes: ['gallery:read'] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const key = created.body as CreatedApiKey;

    const me = await app.request.get('/api/auth/me').set('X-Api-Key', key.key).expect(200);
    expect(me.body).toMatchObject({ id: owner.user.id, username: 'pg-key-owner' });
    await app.request.get('/api/auth/me').set('Authorization', `Bearer ${key.key}`).expect(200);
    const list = await app.request.get('/api/me/api-keys').set(owner.bearer).expect(200);
    const [item] = (list.body as { items: { id: number; last_used_at: string | null }[] }).items;
    expect(item?.id).toBe(key.id);
    expect(item?.last_used_at).not.toBeNull();

    const unknown = await app.request.get('/api/auth/me').set('X-Api-Key', `${key.key.slice(0, -2)}xx`);
    expect(unknown.status).toBe(401);
    await app.request.delete(`/api/me/api-keys/${key.id}`).set(owner.bearer).expect(204);
    const revoked = await app.request.get('/api/auth/me').set('X-Api-Key', key.key);
    expect(revoked.status).toBe(401);
    expect(revoked.body.code).toBe('auth.unauthenticated');
  });
});
