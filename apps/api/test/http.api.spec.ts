import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp, LogCollector, testAdmin, type TestApp } from './test-app.js';
import { secretFailure, TestRoutesModule } from './test-routes.module.js';

describe('HTTP behaviour', () => {
  let app: TestApp;
  afterEach(() => app.close());

  describe('errors', () => {
    it('answers malformed JSON with 400 and the error body', async () => {
      app = await createTestApp();
      const res = await app.request
        .post('/api/auth/login')
        .set('Content-Type', 'application/json')
        .send('{"username": "admin", ');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ code: 'validation_failed', message: 'The request body is not valid JSON' });
      expect(res.headers['x-request-id']).toEqual(expect.any(String));
    });

    it('answers an oversized body with 413', async () => {
      app = await createTestApp();
      const res = await app.request
        .post('/api/auth/login')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ username: 'admin', password: 'x'.repeat(1024 * 1024 + 10) }));
      expect(res.status).toBe(413);
      expect(res.body).toEqual({
        code: 'payload_too_large',
        message: 'The request body is larger than the limit of 1024 KiB',
      });
    });

    it('gives nested per-field details', async () => {
      app = await createTestApp({ modules: [TestRoutesModule] });
      const user = await app.login('user');
      const res = await app.request
        .post('/api/test/echo')
        .set(user.bearer)
        .send({ name: 7, count: 11, point: { x: -1 } });
      expect(res.status).toBe(400);
      expect(Object.keys(res.body.details as object).sort()).toEqual(['count', 'name', 'point.x']);
    });

    it('answers an unexpected error 500 internal, without stack or cause, and logs it with the request id', async () => {
      const logs = new LogCollector();
      app = await createTestApp({ modules: [TestRoutesModule], env: { LOG_LEVEL: 'info' }, logs });
      const user = await app.login('user');
      const res = await app.request.get('/api/test/boom').set(user.bearer).set('X-Request-Id', 'req-boom-1');
      expect(res.status).toBe(500);
      expect(res.body).toEqual({ code: 'internal', message: expect.any(String) });
      expect(res.text).not.toContain(secretFailure);
      expect(res.text).not.toMatch(/at \w+ \(/);
      expect(res.headers['x-request-id']).toBe('req-boom-1');

      const logged = logs.lines.find((line) => line.msg === 'Request failed');
      expect(logged?.reqId).toBe('req-boom-1');
      expect(JSON.stringify(logged?.err)).toContain(secretFailure);
    });

    it('answers unknown API paths 404 with the error body', async () => {
      app = await createTestApp();
      const res = await app.request.get('/api/unknown');
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('not_found');
    });
  });

  describe('logs', () => {
    it('redact tokens, cookies and passwords', async () => {
      const logs = new LogCollector();
      app = await createTestApp({ env: { LOG_LEVEL: 'info' }, logs });
      const session = await app.loginAs(testAdmin.username, testAdmin.password);
      await app.request.get('/api/auth/me').set(session.bearer).expect(200);
      await app.request.get('/api/auth/me').set('Cookie', session.cookie).expect(200);
      await app.request
        .post('/api/auth/login')
        .send({ username: 'admin', password: 'a-wrong-secret' })
        .expect(401);

      const requestLines = logs.lines.filter((line) => line.req !== undefined);
      expect(requestLines.length).toBeGreaterThanOrEqual(4);
      expect(logs.text).toContain('[redacted]');
      for (const secret of [
        session.token,
        session.cookie.split('=')[1],
        testAdmin.password,
        'a-wrong-secret',
      ]) {
        expect(logs.text).not.toContain(secret);
      }
    });
    it('never log a failed query with its parameters (they can be password hashes)', async () => {
      const logs = new LogCollector();
      app = await createTestApp({ env: { LOG_LEVEL: 'info' }, logs });
      const admin = await app.login('admin');
      const body = { username: 'dup', password: 'password-1-of-dup', role: 'user' };
      await app.request.post('/api/admin/users').set(admin.bearer).send(body).expect(201);
      await app.request.post('/api/admin/users').set(admin.bearer).send(body).expect(409);
      expect(logs.text).not.toMatch(/\$argon2/);
      expect(logs.lines.some((line) => line.level === 50 && String(line.msg).includes('INSERT'))).toBe(false);
    });
  });

  describe('request ids', () => {
    it('echoes a sane incoming id and replaces an unsafe one', async () => {
      app = await createTestApp();
      const kept = await app.request.get('/api/health').set('X-Request-Id', 'proxy-42.a');
      expect(kept.headers['x-request-id']).toBe('proxy-42.a');
      const replaced = await app.request.get('/api/health').set('X-Request-Id', 'bad id <script>');
      expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });
  });

  describe('GET /api/health', () => {
    it('is public and reports version and demo mode', async () => {
      app = await createTestApp({ env: { ATELIER_DEMO: '1' } });
      const res = await app.request.get('/api/health');
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'ok', version: '0.1.0', demo: true });
    });
  });

  describe('security headers', () => {
    it('sends a CSP that allows our own scripts and blob:/data: images, and hides the framework', async () => {
      app = await createTestApp();
      const res = await app.request.get('/api/health');
      const csp = res.headers['content-security-policy'] ?? '';
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("img-src 'self' data: blob:");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('upgrade-insecure-requests');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
      expect(res.headers['x-powered-by']).toBeUndefined();
    });
  });

  describe('OpenAPI', () => {
    it('serves the page and the JSON document', async () => {
      app = await createTestApp();
      const json = await app.request.get('/api/docs-json');
      expect(json.status).toBe(200);
      expect(Object.keys(json.body.paths as object)).toEqual(
        expect.arrayContaining([
          '/api/auth/login',
          '/api/admin/users/{id}',
          '/api/admin/config',
          '/api/health',
        ]),
      );
      const page = await app.request.get('/api/docs');
      expect(page.status).toBe(200);
      expect(page.text).toContain('swagger-ui');
    });
  });

  describe('the web app', () => {
    const files = {
      'apps/web/dist/index.html': '<!doctype html><div id="app">atelier-spa</div>',
      'apps/web/dist/assets/app-1234.js': 'console.log("atelier")',
    };

    it('serves index.html for client routes, assets as files, and JSON errors under /api', async () => {
      app = await createTestApp({ files });
      for (const path of ['/', '/gallery', '/gallery/42/edit']) {
        const res = await app.request.get(path);
        expect(res.status, path).toBe(200);
        expect(res.headers['content-type']).toMatch(/text\/html/);
        expect(res.text).toContain('atelier-spa');
        expect(res.headers['cache-control']).toBe('no-cache');
      }
      const asset = await app.request.get('/assets/app-1234.js');
      expect(asset.status).toBe(200);
      expect(asset.text).toBe('console.log("atelier")');
      expect(asset.headers['cache-control']).toContain('immutable');

      const api = await app.request.get('/api/unknown');
      expect(api.status).toBe(404);
      expect(api.body.code).toBe('not_found');
      await app.request.get('/api/health').expect(200);
    });

    it('explains itself when the web app is not built', async () => {
      app = await createTestApp();
      const res = await app.request.get('/gallery');
      expect(res.status).toBe(200);
      expect(res.text).toContain('web app is not built');
      expect((await app.request.get('/api/unknown')).body.code).toBe('not_found');
    });
  });
});
