import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, testAdmin, type TestApp, type TestSession } from './test-app.js';
import { TestRoutesModule } from './test-routes.module.js';

describe('users and roles', () => {
  let app: TestApp;
  let admin: TestSession;
  beforeEach(async () => {
    app = await createTestApp({ modules: [TestRoutesModule] });
    admin = await app.loginAs(testAdmin.username, testAdmin.password);
  });
  afterEach(() => app.close());

  describe('roles nest: admin ⊃ curator ⊃ user', () => {
    it('keeps users and curators out of admin routes', async () => {
      for (const role of ['user', 'curator'] as const) {
        const session = await app.login(role);
        const attempts = [
          ['get', '/api/admin/users', undefined],
          ['post', '/api/admin/users', { username: 'x-new', password: 'password1-of-x-new', role: 'user' }],
          ['patch', `/api/admin/users/${session.user.id}`, { role: 'admin' }],
          ['get', '/api/admin/config', undefined],
          ['patch', '/api/admin/config', { comfy_enabled: true }],
        ] as const;
        for (const [method, path, body] of attempts) {
          const res = await app.request[method](path).set(session.bearer).send(body);
          expect(res.status, `${role} ${method} ${path}`).toBe(403);
          expect(res.body.code).toBe('auth.forbidden');
        }
      }
      await app.request.get('/api/admin/users').set(admin.bearer).expect(200);
    });

    it('lets curators and admins into a curator route, not users', async () => {
      const user = await app.login('user');
      const curator = await app.login('curator');
      await app.request.get('/api/test/curator').set(user.bearer).expect(403);
      await app.request.get('/api/test/curator').set(curator.bearer).expect(200);
      await app.request.get('/api/test/curator').set(admin.bearer).expect(200);
    });
  });

  describe('GET/POST /api/admin/users', () => {
    it('creates a user who can sign in, and lists everyone', async () => {
      const created = await app.request
        .post('/api/admin/users')
        .set(admin.bearer)
        .send({ username: 'ada', password: 'correct horse', role: 'curator' });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(Number),
        username: 'ada',
        role: 'curator',
        disabled: false,
        must_change_password: false,
        created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        updated_at: expect.any(String),
      });
      expect(created.body).not.toHaveProperty('password_hash');

      const login = await app.request
        .post('/api/auth/login')
        .send({ username: 'ada', password: 'correct horse' });
      expect(login.body.user).toEqual({ id: created.body.id, username: 'ada', role: 'curator' });

      const list = await app.request.get('/api/admin/users').set(admin.bearer);
      expect(list.status).toBe(200);
      expect(list.body.map((u: { username: string }) => u.username)).toEqual(['admin', 'ada']);
    });

    it('refuses a taken username, whatever its case', async () => {
      const body = { username: 'Grace', password: 'password-1-of-grace', role: 'user' };
      await app.request.post('/api/admin/users').set(admin.bearer).send(body).expect(201);
      const again = await app.request
        .post('/api/admin/users')
        .set(admin.bearer)
        .send({ ...body, username: 'grace' });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('users.username_taken');
    });

    it('validates every field and rejects unknown ones', async () => {
      const res = await app.request
        .post('/api/admin/users')
        .set(admin.bearer)
        .send({ username: 'a', password: 'short', role: 'boss', is_admin: true });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(Object.keys(res.body.details as object).sort()).toEqual([
        'is_admin',
        'password',
        'role',
        'username',
      ]);
      for (const messages of Object.values(res.body.details as Record<string, unknown>)) {
        expect(messages).toEqual([expect.any(String)]);
      }
    });
  });

  describe('PATCH /api/admin/users/:id', () => {
    it('changes a role with immediate effect on existing tokens', async () => {
      const user = await app.login('user');
      await app.request.get('/api/test/curator').set(user.bearer).expect(403);
      const res = await app.request
        .patch(`/api/admin/users/${user.user.id}`)
        .set(admin.bearer)
        .send({ role: 'curator' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: user.user.id, role: 'curator', disabled: false });
      await app.request.get('/api/test/curator').set(user.bearer).expect(200);
    });

    it('disables a user: their tokens and refresh cookie stop working, also after re-enabling', async () => {
      const user = await app.login('user');
      await app.request
        .patch(`/api/admin/users/${user.user.id}`)
        .set(admin.bearer)
        .send({ disabled: true })
        .expect(200);

      const me = await app.request.get('/api/auth/me').set(user.bearer);
      expect(me.status).toBe(401);
      expect(me.body.code).toBe('auth.disabled');
      await app.request
        .post('/api/auth/refresh')
        .set('Origin', app.origin)
        .set('Cookie', user.refreshCookie)
        .expect(401);

      await app.request
        .patch(`/api/admin/users/${user.user.id}`)
        .set(admin.bearer)
        .send({ disabled: false })
        .expect(200);
      await app.request.get('/api/auth/me').set(user.bearer).expect(401);
      await app.login('user');
    });

    it('never leaves the instance without an enabled admin', async () => {
      const self = `/api/admin/users/${admin.user.id}`;
      for (const change of [{ role: 'curator' }, { disabled: true }]) {
        const res = await app.request.patch(self).set(admin.bearer).send(change);
        expect(res.status).toBe(409);
        expect(res.body.code).toBe('users.last_admin');
      }

      const second = await app.user('admin', 'second-admin');
      await app.request.patch(self).set(admin.bearer).send({ role: 'user' }).expect(200);
      const secondSession = await app.loginAs(second.username, second.password);
      const res = await app.request
        .patch(`/api/admin/users/${second.id}`)
        .set(secondSession.bearer)
        .send({ disabled: true });
      expect(res.status).toBe(409);
      expect(res.body.code).toBe('users.last_admin');
    });

    it('answers 404 for an unknown user and 400 for a bad id or value', async () => {
      const missing = await app.request
        .patch('/api/admin/users/9999')
        .set(admin.bearer)
        .send({ role: 'user' });
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('users.not_found');

      const badId = await app.request.patch('/api/admin/users/abc').set(admin.bearer).send({ role: 'user' });
      expect(badId.status).toBe(400);
      expect(badId.body.details).toEqual({ id: ['must be a positive integer'] });

      const nullRole = await app.request
        .patch(`/api/admin/users/${admin.user.id}`)
        .set(admin.bearer)
        .send({ role: null, disabled: 'yes' });
      expect(nullRole.status).toBe(400);
      expect(Object.keys(nullRole.body.details as object).sort()).toEqual(['disabled', 'role']);
    });
  });
});
