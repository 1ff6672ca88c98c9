import { accessCookieName, refreshCookieName } from '@atelier/contract';
import { JwtService } from '@nestjs/jwt';
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cookieFrom, createTestApp, testAdmin, type TestApp } from './test-app.js';

function decodePart(part: string | undefined): Record<string, unknown> {
  return JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

function encodePart(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('auth', () => {
  let app: TestApp;
  beforeEach(async () => {
    app = await createTestApp();
  });
  afterEach(() => app.close());

  describe('POST /api/auth/login', () => {
    it('returns a short-lived token, the user, and httpOnly SameSite cookies', async () => {
      const res = await app.request.post('/api/auth/login').send(testAdmin);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        access_token: expect.any(String),
        expires_in: 900,
        user: { id: expect.any(Number), username: 'admin', role: 'admin' },
        must_change_password: false,
      });
      const header = decodePart(res.body.access_token.split('.')[0]);
      expect(header.alg).toBe('HS256');
      const claims = decodePart(res.body.access_token.split('.')[1]);
      expect((claims.exp as number) - (claims.iat as number)).toBe(900);

      const cookies = res.headers['set-cookie'] as unknown as string[];
      const access = cookies.find((c) => c.startsWith(`${accessCookieName}=`));
      const refresh = cookies.find((c) => c.startsWith(`${refreshCookieName}=`));
      expect(access).toMatch(/HttpOnly/);
      expect(access).toMatch(/SameSite=Strict/);
      expect(access).toMatch(/Path=\//);
      expect(refresh).toMatch(/HttpOnly/);
      expect(refresh).toMatch(/Path=\/api\/auth/);
    });

    it('answers a wrong password and an unknown user with the same 401', async () => {
      const wrong = await app.request
        .post('/api/auth/login')
        .send({ username: 'admin', password: 'nope-nope' });
      const unknown = await app.request
        .post('/api/auth/login')
        .send({ username: 'ghost', password: 'nope-nope' });
      for (const res of [wrong, unknown]) {
        expect(res.status).toBe(401);
        expect(res.body).toEqual({ code: 'auth.invalid_credentials', message: 'Wrong username or password' });
        expect(res.headers['set-cookie']).toBeUndefined();
      }
    });

    it('matches usernames case-insensitively', async () => {
      const res = await app.request.post('/api/auth/login').send({ ...testAdmin, username: 'ADMIN' });
      expect(res.status).toBe(200);
    });

    it('refuses a disabled user with the same 401', async () => {
      const admin = await app.login('admin');
      const user = await app.user('user');
      await app.request
        .patch(`/api/admin/users/${user.id}`)
        .set(admin.bearer)
        .send({ disabled: true })
        .expect(200);
      const res = await app.request
        .post('/api/auth/login')
        .send({ username: user.username, password: user.password });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('auth.invalid_credentials');
    });

    it('rejects a malformed body with per-field details', async () => {
      const res = await app.request.post('/api/auth/login').send({ username: 42 });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(Object.keys(res.body.details as object).sort()).toEqual(['password', 'username']);
    });

    it('spends as long on an unknown user as on a wrong password', async () => {
      await app.restart({ env: { ATELIER_LOGIN_MAX_FAILURES: '100' } });
      const time = async (username: string) => {
        const started = performance.now();
        await app.request.post('/api/auth/login').send({ username, password: 'wrong-password' }).expect(401);
        return performance.now() - started;
      };
      const median = (values: number[]) => values.sort((a, b) => a - b)[1] ?? 0;
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 3; i++) {
        known.push(await time('admin'));
        unknown.push(await time(`nobody-${i}`));
      }
      // Without the dummy hash an unknown user answers in ~1 ms against tens of ms for argon2.
      expect(median(unknown)).toBeGreaterThan(median(known) * 0.4);
    });
  });

  describe('rate limiting of failed logins', () => {
    it('answers 429 with Retry-After after 5 failures from one IP, even for the right password', async () => {
      for (let i = 0; i < 5; i++) {
        await app.request
          .post('/api/auth/login')
          .send({ username: 'admin', password: `wrong-${i}` })
          .expect(401);
      }
      const blocked = await app.request.post('/api/auth/login').send(testAdmin);
      expect(blocked.status).toBe(429);
      expect(blocked.body.code).toBe('rate_limited');
      const retryAfter = Number(blocked.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
    });

    it('does not count successful logins', async () => {
      for (let i = 0; i < 7; i++) await app.request.post('/api/auth/login').send(testAdmin).expect(200);
    });

    it('counts per client IP and forgets failures after the window', async () => {
      await app.restart({
        env: { ATELIER_TRUST_PROXY: '1', ATELIER_LOGIN_MAX_FAILURES: '2', ATELIER_LOGIN_WINDOW_S: '1' },
      });
      const attempt = (ip: string, password = 'wrong-password') =>
        app.request.post('/api/auth/login').set('X-Forwarded-For', ip).send({ username: 'admin', password });
      await attempt('203.0.113.1').expect(401);
      await attempt('203.0.113.1').expect(401);
      await attempt('203.0.113.1', testAdmin.password).expect(429);
      await attempt('203.0.113.2', testAdmin.password).expect(200);
      await new Promise((resolve) => setTimeout(resolve, 1100));
      await attempt('203.0.113.1', testAdmin.password).expect(200);
    });
  });

  describe('access tokens', () => {
    it('authenticate through the Bearer header and through the cookie', async () => {
      const session = await app.login('user');
      const viaBearer = await app.request.get('/api/auth/me').set(session.bearer);
      const viaCookie = await app.request.get('/api/auth/me').set('Cookie', session.cookie);
      expect(viaBearer.status).toBe(200);
      expect(viaCookie.status).toBe(200);
      expect(viaBearer.body).toEqual({
        id: session.user.id,
        username: 'test-user',
        role: 'user',
        must_change_password: false,
        disabled_webhooks: 0,
      });
      expect(viaCookie.body).toEqual(viaBearer.body);
    });

    it('judge a request by its Authorization header alone, never falling back to the cookie', async () => {
      const session = await app.login('user');
      const res = await app.request
        .get('/api/auth/me')
        .set('Cookie', session.cookie)
        .set('Authorization', 'Basic eA==');
      expect(res.status).toBe(401);
    });

    it('reject tampered, foreign-signed, alg:none and expired tokens', async () => {
      const session = await app.login('user');
      const admin = await app.user('admin', 'other-admin');
      const [header, payload, signature] = session.token.split('.');
      const claims = decodePart(payload);

      const tampered = `${header}.${encodePart({ ...claims, sub: String(admin.id) })}.${signature}`;
      const unsigned = `${encodePart({ alg: 'none', typ: 'JWT' })}.${payload}.`;
      const forgedBody = `${header}.${payload}`;
      const foreign = `${forgedBody}.${createHmac('sha256', 'x'.repeat(48)).update(forgedBody).digest('base64url')}`;
      const now = Math.floor(Date.now() / 1000);
      const expired = await app.nest
        .get(JwtService)
        .signAsync({ ...claims, iat: now - 1000, exp: now - 10 }, { algorithm: 'HS256' });

      for (const token of [tampered, unsigned, foreign, expired, 'not-a-jwt']) {
        const res = await app.request.get('/api/auth/me').set('Authorization', `Bearer ${token}`);
        expect(res.status, token).toBe(401);
        expect(res.body.code).toBe('auth.unauthenticated');
      }
      const viaCookie = await app.request.get('/api/auth/me').set('Cookie', `${accessCookieName}=${expired}`);
      expect(viaCookie.status).toBe(401);
      expect(viaCookie.body.message).toMatch(/expired/);
    });

    it('are answered 401 on every route except login, refresh and health', async () => {
      const router = app.nest.getHttpAdapter().getInstance().router as {
        stack: { route?: { path: string; methods: Record<string, boolean> } }[];
      };
      const routes = router.stack
        .flatMap((layer) => (layer.route ? [layer.route] : []))
        .filter((route) => route.path.startsWith('/api/') && !route.path.startsWith('/api/docs'))
        // Middleware (request logging) is mounted as a catch-all route: it is not an endpoint.
        .filter((route) => !route.path.includes('{*'))
        .flatMap((route) => Object.keys(route.methods).map((method) => ({ method, path: route.path })));
      const signInRoutes = ['/api/auth/login', '/api/auth/refresh', '/api/health'];
      // Share links are public by design (sharing.api.spec.ts checks what they reveal).
      const isPublic = (path: string) => signInRoutes.includes(path) || path.startsWith('/api/public/');
      expect(routes.length).toBeGreaterThan(6);
      expect(routes.filter((route) => signInRoutes.includes(route.path))).toHaveLength(3);

      for (const { method, path } of routes.filter((route) => !isPublic(route.path))) {
        const url = path.replace(/:\w+/g, '1');
        const res = await app.request[method as 'get'](url).set('Origin', app.origin);
        expect(res.status, `${method} ${path}`).toBe(401);
        expect(res.body.code).toBe('auth.unauthenticated');
      }
      await app.request.get('/api/health').expect(200);
    });
  });

  describe('refresh and logout', () => {
    it('rotates the refresh token: the new one works, the old one never again', async () => {
      const session = await app.login('user');
      const first = await app.request
        .post('/api/auth/refresh')
        .set('Origin', app.origin)
        .set('Cookie', session.refreshCookie);
      expect(first.status).toBe(200);
      expect(first.body.user).toEqual(session.user);
      const rotated = cookieFrom(first.headers['set-cookie'], refreshCookieName);
      expect(rotated).not.toBe(session.refreshCookie);
      await app.request
        .get('/api/auth/me')
        .set('Authorization', `Bearer ${first.body.access_token}`)
        .expect(200);

      const second = await app.request
        .post('/api/auth/refresh')
        .set('Origin', app.origin)
        .set('Cookie', rotated);
      expect(second.status).toBe(200);
      const newest = cookieFrom(second.headers['set-cookie'], refreshCookieName);

      const replay = await app.request
        .post('/api/auth/refresh')
        .set('Origin', app.origin)
        .set('Cookie', session.refreshCookie);
      expect(replay.status).toBe(401);
      expect(replay.body.code).toBe('auth.unauthenticated');

      // A replayed token was copied: the whole chain ends (see 'refresh-token replay' in auth-sessions).
      await app.request.post('/api/auth/refresh').set('Origin', app.origin).set('Cookie', newest).expect(401);
    });

    it('answers 401 without a refresh cookie', async () => {
      const res = await app.request.post('/api/auth/refresh');
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('auth.unauthenticated');
    });

    it('logout ends the session: its access token and refresh token stop working', async () => {
      const session = await app.login('user');
      const other = await app.login('user');
      const res = await app.request
        .post('/api/auth/logout')
        .set('Origin', app.origin)
        .set('Cookie', [session.cookie, session.refreshCookie]);
      expect(res.status).toBe(204);
      const cleared = res.headers['set-cookie'] as unknown as string[];
      expect(cleared.some((c) => c.startsWith(`${accessCookieName}=;`))).toBe(true);
      expect(cleared.some((c) => c.startsWith(`${refreshCookieName}=;`))).toBe(true);

      await app.request.get('/api/auth/me').set(session.bearer).expect(401);
      await app.request
        .post('/api/auth/refresh')
        .set('Origin', app.origin)
        .set('Cookie', session.refreshCookie)
        .expect(401);
      // Another session of the same user is untouched.
      await app.request.get('/api/auth/me').set(other.bearer).expect(200);
    });
  });

  describe('CSRF: cookie-authenticated changes must come from our origin', () => {
    const change = (session: { cookie: string }) =>
      app.request.patch('/api/admin/config').set('Cookie', session.cookie).send({ comfy_timeout: 42 });

    it('refuses a foreign Origin, a foreign Referer and a missing Origin', async () => {
      const admin = await app.login('admin');
      for (const res of [
        await change(admin).set('Origin', 'http://evil.example'),
        await change(admin).set('Origin', 'null'),
        await change(admin).set('Referer', 'http://evil.example/page'),
        await change(admin),
      ]) {
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('auth.csrf');
      }
      expect(app.runtime.get().comfy_timeout).toBe(30);
    });

    it('accepts our own Origin or Referer', async () => {
      const admin = await app.login('admin');
      await change(admin).set('Origin', app.origin).expect(200);
      await change(admin).set('Referer', `${app.origin}/settings`).expect(200);
      expect(app.runtime.get().comfy_timeout).toBe(42);
    });

    it('exempts Bearer requests, which a browser cannot be made to send', async () => {
      const admin = await app.login('admin');
      await app.request
        .patch('/api/admin/config')
        .set(admin.bearer)
        .set('Origin', 'http://evil.example')
        .send({ comfy_timeout: 43 })
        .expect(200);
    });

    it('refuses a login posted from another site', async () => {
      const res = await app.request
        .post('/api/auth/login')
        .set('Origin', 'http://evil.example')
        .send(testAdmin);
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('auth.csrf');
    });

    it('trusts origins listed in ATELIER_ALLOWED_ORIGINS', async () => {
      await app.restart({ env: { ATELIER_ALLOWED_ORIGINS: 'http://localhost:5173' } });
      const admin = await app.login('admin');
      await change(admin).set('Origin', 'http://localhost:5173').expect(200);
      await change(admin).set('Origin', 'http://localhost:5174').expect(403);
    });
  });
});
