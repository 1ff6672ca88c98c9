import { JwtService } from '@nestjs/jwt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';
import { TestRoutesModule } from './test-routes.module.js';

/**
 * The session check runs against the database on every request, whatever wrote the change: the admin
 * routes, logout, or a statement run straight on the database (an operator's fix, another process).
 * Nothing about a user or a session may be remembered between requests.
 */
describe('the per-request session and role check', () => {
  let app: TestApp;
  let user: TestSession;
  const me = (session: TestSession) => app.request.get('/api/auth/me').set(session.bearer);
  const sql = (query: string, parameters: unknown[]) => app.sql(query, parameters);

  beforeEach(async () => {
    app = await createTestApp({ modules: [TestRoutesModule] });
    user = await app.login('user');
    // Warm: the check has run (and could have remembered something) before each change.
    for (let i = 0; i < 3; i++) await me(user).expect(200);
  });
  afterEach(() => app.close());

  it('refuses a user disabled in the database on the very next request, and takes them back when enabled', async () => {
    await sql(`UPDATE "users" SET "disabled" = ? WHERE "id" = ?`, [true, user.user.id]);
    const refused = await me(user);
    expect([refused.status, refused.body.code]).toEqual([401, 'auth.disabled']);
    const viaCookie = await app.request.get('/api/auth/me').set('Cookie', user.cookie);
    expect([viaCookie.status, viaCookie.body.code]).toEqual([401, 'auth.disabled']);

    // Only the flag changed (the sessions were not ended), so enabling again lets the same token in.
    await sql(`UPDATE "users" SET "disabled" = ? WHERE "id" = ?`, [false, user.user.id]);
    await me(user).expect(200);
  });

  it('refuses a deleted user on the very next request', async () => {
    await sql(`DELETE FROM "users" WHERE "id" = ?`, [user.user.id]);
    const refused = await me(user);
    expect([refused.status, refused.body.code]).toEqual([401, 'auth.disabled']);
  });

  it('applies a role changed in the database on the very next request, both ways', async () => {
    await app.request.get('/api/test/curator').set(user.bearer).expect(403);
    await sql(`UPDATE "users" SET "role" = 'curator' WHERE "id" = ?`, [user.user.id]);
    await app.request.get('/api/test/curator').set(user.bearer).expect(200);
    expect((await me(user)).body).toMatchObject({ role: 'curator' });
    await sql(`UPDATE "users" SET "role" = 'user' WHERE "id" = ?`, [user.user.id]);
    await app.request.get('/api/test/curator').set(user.bearer).expect(403);
  });

  it('refuses a session revoked or expired in the database on the very next request', async () => {
    const other = await app.login('user');
    await me(other).expect(200);

    await sql(`UPDATE "refresh_tokens" SET "revoked_at" = ? WHERE "user_id" = ?`, [new Date(), user.user.id]);
    for (const session of [user, other]) {
      const refused = await me(session);
      expect([refused.status, refused.body.code]).toEqual([401, 'auth.unauthenticated']);
    }

    const again = await app.login('user');
    await me(again).expect(200);
    await sql(`UPDATE "refresh_tokens" SET "expires_at" = ? WHERE "user_id" = ?`, [
      new Date('2000-01-01T00:00:00Z'),
      user.user.id,
    ]);
    const expired = await me(again);
    expect([expired.status, expired.body.code]).toEqual([401, 'auth.unauthenticated']);
  });

  it('ends one session at logout and leaves the user’s other session working', async () => {
    const other = await app.login('user');
    await app.request.post('/api/auth/logout').set(user.bearer).expect(204);
    const refused = await me(user);
    expect([refused.status, refused.body.code]).toEqual([401, 'auth.unauthenticated']);
    await me(other).expect(200);
  });

  it('refuses a token once it expires, though it was accepted (and its signature remembered) before', async () => {
    const { sub, sid } = JSON.parse(Buffer.from(user.token.split('.')[1] ?? '', 'base64url').toString()) as {
      sub: string;
      sid: string;
    };
    const exp = Math.floor(Date.now() / 1000) + 2;
    const token = await app.nest
      .get(JwtService)
      .signAsync({ sub, sid, exp }, { issuer: 'atelier', audience: 'atelier-api' });
    const bearer = { Authorization: `Bearer ${token}` };
    for (let i = 0; i < 3; i++) await app.request.get('/api/auth/me').set(bearer).expect(200);
    await new Promise((resolve) => setTimeout(resolve, exp * 1000 - Date.now() + 50));
    const expired = await app.request.get('/api/auth/me').set(bearer);
    expect([expired.status, expired.body.code, expired.body.message]).toEqual([
      401,
      'auth.unauthenticated',
      'The access token has expired',
    ]);
  });

  it('answers a thumbnail and a job list only while the session lives', async () => {
    await app.request
      .get('/api/comfy/jobs')
      .set(user.bearer)
      .expect((res) => {
        expect([200, 503]).toContain(res.status);
      });
    await sql(`UPDATE "refresh_tokens" SET "revoked_at" = ? WHERE "user_id" = ?`, [new Date(), user.user.id]);
    for (const path of ['/api/gallery/images', '/api/gallery/images/1/thumbnail', '/api/comfy/jobs']) {
      const res = await app.request.get(path).set(user.bearer);
      expect([res.status, res.body.code], path).toEqual([401, 'auth.unauthenticated']);
    }
  });
});
