import { passwordMinLength, refreshCookieName } from '@atelier/contract';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsersService } from '../src/users/users.service.js';
import { cookieFrom, createTestApp, testAdmin, type TestApp, type TestSession } from './test-app.js';

describe('passwords', () => {
  let app: TestApp;
  afterEach(async () => {
    vi.restoreAllMocks();
    await app.close();
  });

  const newPassword = 'a-brand-new-passphrase';

  const change = (session: TestSession, body: object) =>
    app.request.post('/api/auth/password').set(session.bearer).send(body);
  const refresh = (cookie: string) =>
    app.request.post('/api/auth/refresh').set('Origin', app.origin).set('Cookie', cookie);
  const login = (username: string, password: string) =>
    app.request.post('/api/auth/login').send({ username, password });

  describe('POST /api/auth/password (own password)', () => {
    it('changes it, ends every other session and answers a fresh one', async () => {
      app = await createTestApp();
      const user = await app.user('user');
      const current = await app.login('user');
      const other = await app.login('user');

      const res = await change(current, { current_password: user.password, new_password: newPassword });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        access_token: expect.any(String),
        expires_in: 900,
        user: current.user,
        must_change_password: false,
      });
      const freshRefresh = cookieFrom(res.headers['set-cookie'], refreshCookieName);

      // Other sessions (access and refresh tokens) end; so do the old tokens of this one, re-issued.
      await app.request.get('/api/auth/me').set(other.bearer).expect(401);
      await refresh(other.refreshCookie).expect(401);
      await app.request.get('/api/auth/me').set(current.bearer).expect(401);
      await refresh(current.refreshCookie).expect(401);
      // The re-issued session goes on.
      await app.request
        .get('/api/auth/me')
        .set('Authorization', `Bearer ${res.body.access_token as string}`)
        .expect(200);
      await refresh(freshRefresh).expect(200);

      await login(user.username, user.password).expect(401);
      await login(user.username, newPassword).expect(200);
    });

    it('answers 400 for a wrong current password, a short or unchanged new one, and changes nothing', async () => {
      app = await createTestApp();
      const user = await app.user('user');
      const session = await app.login('user');

      const wrong = await change(session, { current_password: 'not-my-password', new_password: newPassword });
      expect(wrong.status).toBe(400);
      expect(wrong.body.code).toBe('auth.wrong_password');

      const short = await change(session, {
        current_password: user.password,
        new_password: 'x'.repeat(passwordMinLength - 1),
      });
      expect(short.status).toBe(400);
      expect(short.body.code).toBe('validation_failed');
      expect(Object.keys(short.body.details as object)).toEqual(['new_password']);

      const same = await change(session, { current_password: user.password, new_password: user.password });
      expect(same.status).toBe(400);
      expect(same.body.code).toBe('validation_failed');
      expect(Object.keys(same.body.details as object)).toEqual(['new_password']);

      const missing = await change(session, { new_password: newPassword, extra: 1 });
      expect(missing.status).toBe(400);
      expect(Object.keys(missing.body.details as object).sort()).toEqual(['current_password', 'extra']);

      await app.request.get('/api/auth/me').set(session.bearer).expect(200);
      await login(user.username, user.password).expect(200);
    });

    it('needs a session (401), our Origin with cookies (403), and counts wrong current passwords', async () => {
      app = await createTestApp({ env: { ATELIER_LOGIN_ACCOUNT_MAX_FAILURES: '2' } });
      const user = await app.user('user');
      const anonymous = await app.request
        .post('/api/auth/password')
        .send({ current_password: user.password, new_password: newPassword });
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.code).toBe('auth.unauthenticated');

      const session = await app.login('user');
      const csrf = await app.request
        .post('/api/auth/password')
        .set('Origin', 'http://evil.example')
        .set('Cookie', session.cookie)
        .send({ current_password: user.password, new_password: newPassword });
      expect(csrf.status).toBe(403);
      expect(csrf.body.code).toBe('auth.csrf');

      for (let i = 0; i < 2; i++) {
        await change(session, { current_password: `guess-${i}`, new_password: newPassword }).expect(400);
      }
      const limited = await change(session, { current_password: user.password, new_password: newPassword });
      expect(limited.status).toBe(429);
      expect(limited.body.code).toBe('rate_limited');
      await login(user.username, user.password).expect(429);
    });
  });

  describe('POST /api/admin/users/:id/password (reset by an admin)', () => {
    it('ends the user’s sessions; they must change the password before anything else', async () => {
      app = await createTestApp();
      const admin = await app.login('admin');
      const user = await app.user('user');
      const before = await app.login('user');
      const temporary = 'temporary-password-1';

      const reset = await app.request
        .post(`/api/admin/users/${user.id}/password`)
        .set(admin.bearer)
        .send({ password: temporary });
      expect(reset.status).toBe(200);
      expect(reset.body).toMatchObject({ id: user.id, username: user.username, must_change_password: true });
      await app.request.get('/api/auth/me').set(before.bearer).expect(401);
      await refresh(before.refreshCookie).expect(401);
      await login(user.username, user.password).expect(401);

      const signedIn = await login(user.username, temporary);
      expect(signedIn.status).toBe(200);
      expect(signedIn.body.must_change_password).toBe(true);
      const bearer = { Authorization: `Bearer ${signedIn.body.access_token as string}` };
      for (const path of ['/api/comfy/jobs', '/api/gallery/images']) {
        const blocked = await app.request.get(path).set(bearer);
        expect(blocked.status, path).toBe(403);
        expect(blocked.body.code).toBe('auth.password_change_required');
      }
      // The web reads the pending change from /auth/me on reload, not only from the login answer.
      const meBefore = await app.request.get('/api/auth/me').set(bearer).expect(200);
      expect(meBefore.body.must_change_password).toBe(true);
      const refreshed = await refresh(cookieFrom(signedIn.headers['set-cookie'], refreshCookieName));
      expect(refreshed.status).toBe(200);
      expect(refreshed.body.must_change_password).toBe(true);

      const changed = await app.request
        .post('/api/auth/password')
        .set('Authorization', `Bearer ${refreshed.body.access_token as string}`)
        .send({ current_password: temporary, new_password: newPassword });
      expect(changed.status).toBe(200);
      expect(changed.body.must_change_password).toBe(false);
      const after = { Authorization: `Bearer ${changed.body.access_token as string}` };
      await app.request.get('/api/gallery/images').set(after).expect(200);
      const meAfter = await app.request.get('/api/auth/me').set(after).expect(200);
      expect(meAfter.body.must_change_password).toBe(false);

      const again = await login(user.username, newPassword);
      expect(again.body.must_change_password).toBe(false);
      const list = await app.request.get('/api/admin/users').set(admin.bearer).expect(200);
      expect(list.body.find((u: { id: number }) => u.id === user.id).must_change_password).toBe(false);
    });

    it('is for admins only, 404 for an unknown user and 400 for a short password', async () => {
      app = await createTestApp();
      const admin = await app.login('admin');
      const target = await app.user('user', 'target-user');
      for (const role of ['user', 'curator'] as const) {
        const session = await app.login(role);
        const res = await app.request
          .post(`/api/admin/users/${target.id}/password`)
          .set(session.bearer)
          .send({ password: 'long-enough-password' });
        expect(res.status, role).toBe(403);
        expect(res.body.code).toBe('auth.forbidden');
      }
      const unknown = await app.request
        .post('/api/admin/users/9999/password')
        .set(admin.bearer)
        .send({ password: 'long-enough-password' });
      expect(unknown.status).toBe(404);
      expect(unknown.body.code).toBe('users.not_found');
      const short = await app.request
        .post(`/api/admin/users/${target.id}/password`)
        .set(admin.bearer)
        .send({ password: 'too-short' });
      expect(short.status).toBe(400);
      expect(short.body.code).toBe('validation_failed');
      await app.request.post('/api/admin/users/abc/password').set(admin.bearer).send({}).expect(400);
      await login(target.username, target.password).expect(200);
    });
  });

  describe('minimum length', () => {
    it(`is ${passwordMinLength} characters for new users; older, shorter passwords still sign in`, async () => {
      app = await createTestApp();
      expect(passwordMinLength).toBe(12);
      const admin = await app.login('admin');
      const short = await app.request
        .post('/api/admin/users')
        .set(admin.bearer)
        .send({ username: 'shorty', password: 'elevenchars', role: 'user' });
      expect(short.status).toBe(400);
      expect(Object.keys(short.body.details as object)).toEqual(['password']);
      await app.request
        .post('/api/admin/users')
        .set(admin.bearer)
        .send({ username: 'longer', password: 'twelve-chars', role: 'user' })
        .expect(201);

      // A user from before the rule (created with 8 characters) keeps signing in.
      await app.nest.get(UsersService).create({ username: 'veteran', password: 'eight-ch', role: 'user' });
      const veteran = await login('veteran', 'eight-ch');
      expect(veteran.status).toBe(200);
      expect(veteran.body.must_change_password).toBe(false);
    });
  });

  describe('the generated first-admin password', () => {
    it('is printed once, signs in, and can be rotated', async () => {
      const printed: string[] = [];
      const write = process.stdout.write.bind(process.stdout);
      vi.spyOn(process.stdout, 'write').mockImplementation(
        (chunk: string | Uint8Array, ...rest: unknown[]) => {
          if (typeof chunk === 'string') printed.push(chunk);
          return (write as (chunk: string | Uint8Array, ...rest: unknown[]) => boolean)(chunk, ...rest);
        },
      );
      app = await createTestApp({ env: { ATELIER_ADMIN_PASSWORD: '' } });
      const generated = /password: (\S+)/.exec(printed.join(''))?.[1];
      expect(generated).toBeDefined();
      expect(generated!.length).toBeGreaterThanOrEqual(passwordMinLength);

      const first = await login(testAdmin.username, generated!);
      expect(first.status).toBe(200);
      expect(first.body.must_change_password).toBe(false);
      await app.request
        .post('/api/auth/password')
        .set('Authorization', `Bearer ${first.body.access_token as string}`)
        .send({ current_password: generated, new_password: newPassword })
        .expect(200);
      await login(testAdmin.username, generated!).expect(401);
      await login(testAdmin.username, newPassword).expect(200);

      printed.length = 0;
      await app.restart({ env: { ATELIER_ADMIN_PASSWORD: '' } });
      expect(printed.join('')).not.toContain('password:');
      await login(testAdmin.username, newPassword).expect(200);
    });
  });
});
