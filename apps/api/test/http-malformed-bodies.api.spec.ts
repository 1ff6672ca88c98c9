import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startComfyHarness, type ComfyHarness } from './comfy-kit.js';
import { filesUnder, images, ingest } from './gallery-fixtures.js';
import type { TestApp, TestSession } from './test-app.js';

/**
 * Malformed request bodies on every write route, with the web build in place: @nestjs/serve-static adds an
 * error middleware that used to turn any body-parser error under /api into `404 Cannot POST …`.
 */
const webBuild = { 'apps/web/dist/index.html': '<!doctype html><div id="app">atelier-spa</div>' };

const writeRoutes: readonly (readonly ['post' | 'patch' | 'delete', string])[] = [
  ['post', '/api/auth/login'],
  ['post', '/api/auth/refresh'],
  ['post', '/api/auth/logout'],
  ['post', '/api/auth/password'],
  ['patch', '/api/admin/config'],
  ['post', '/api/admin/users'],
  ['patch', '/api/admin/users/1'],
  ['post', '/api/admin/users/1/password'],
  ['post', '/api/comfy/queue'],
  ['post', '/api/comfy/txt2img'],
  ['post', '/api/comfy/workflows/convert'],
  ['post', '/api/comfy/workflows/sample_basic_sdxl/run'],
  ['post', '/api/comfy/cancel/some-prompt'],
  ['post', '/api/comfy/upload'],
  ['post', '/api/comfy/ingest'],
  ['post', '/api/comfy/ingest/from-job'],
  ['delete', '/api/gallery/images/1'],
  ['post', '/api/no-such-route'],
];

const truncated = ['{"username":', '[1', '{', '{"a":1,}', "{'a':1}", '{"a":"\\x"}', 'nul', '"abc'];

const depth = 100_000;
const deepBodies: Record<string, string> = {
  'arrays, truncated': '['.repeat(depth),
  'objects, truncated': '{"a":'.repeat(depth),
  'arrays, complete': '['.repeat(depth) + ']'.repeat(depth),
  'objects, complete': '{"a":'.repeat(depth) + '1' + '}'.repeat(depth),
};

describe('malformed request bodies (web build in place)', () => {
  let harness: ComfyHarness;
  let app: TestApp;
  let admin: TestSession;

  beforeAll(async () => {
    harness = await startComfyHarness({ app: { files: webBuild } });
    app = harness.app;
    admin = await app.login('admin');
  });
  afterAll(() => harness.close());

  async function expectHealthy(): Promise<void> {
    const health = await app.request.get('/api/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
  }

  it('the web build is served (the trap is armed)', async () => {
    const page = await app.request.get('/gallery');
    expect(page.text).toContain('atelier-spa');
  });

  for (const [method, path] of writeRoutes) {
    it(`${method.toUpperCase()} ${path} answers truncated or invalid JSON with 400 validation_failed`, async () => {
      for (const body of truncated) {
        const res = await app.request[method](path)
          .set(admin.bearer)
          .set('Origin', app.origin)
          .set('Content-Type', 'application/json')
          .send(body);
        expect([res.status, res.body], body).toEqual([
          400,
          { code: 'validation_failed', message: 'The request body is not valid JSON' },
        ]);
        expect(res.headers['content-type']).toMatch(/application\/json/);
      }
      await expectHealthy();
    });

    it(`${method.toUpperCase()} ${path} answers JSON nested ${depth} levels deep with 400, and keeps serving`, async () => {
      for (const [name, body] of Object.entries(deepBodies)) {
        const res = await app.request[method](path)
          .set(admin.bearer)
          .set('Origin', app.origin)
          .set('Content-Type', 'application/json')
          .send(body);
        expect(res.status, name).toBe(400);
        expect(res.body.code, name).toBe('validation_failed');
        expect(res.body.message, name).toMatch(/not valid JSON|nested deeper than 64 levels/);
        await expectHealthy();
      }
    });
  }

  it('answers a body nested just past the limit with 400, and one at the limit as the route would', async () => {
    const tooDeep = { username: JSON.parse('['.repeat(64) + ']'.repeat(64)) as unknown, password: 'x' };
    const refused = await app.request.post('/api/auth/login').send(tooDeep);
    expect([refused.status, refused.body]).toEqual([
      400,
      { code: 'validation_failed', message: 'The request body is nested deeper than 64 levels' },
    ]);
    const fits = { username: JSON.parse('['.repeat(63) + ']'.repeat(63)) as unknown, password: 'x' };
    const validated = await app.request.post('/api/auth/login').send(fits);
    expect(validated.status).toBe(400);
    expect(validated.body.code).toBe('validation_failed');
    expect(validated.body.message).not.toMatch(/nested deeper/);
  });

  it('answers unsupported charsets with 415 and undecodable compressed bodies with 4xx, never 404', async () => {
    const latin = await app.request
      .post('/api/auth/login')
      .set('Content-Type', 'application/json; charset=latin1')
      .send('{"username":"a","password":"b"}');
    expect([latin.status, latin.body.code]).toEqual([415, 'unsupported_media_type']);

    const gzip = await app.request
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'gzip')
      .send('not gzip at all');
    expect(gzip.status).toBeGreaterThanOrEqual(400);
    expect(gzip.status).toBeLessThan(500);
    expect(gzip.status).not.toBe(404);
    expect(gzip.body.code).toEqual(expect.any(String));

    const brotli = await app.request
      .post('/api/auth/login')
      .set('Content-Type', 'application/json')
      .set('Content-Encoding', 'x-unknown')
      .send('{}');
    expect([brotli.status, brotli.body.code]).toEqual([415, 'unsupported_media_type']);
    await expectHealthy();
  });

  it('answers bodies of the wrong content type with 400 validation_failed, not 404 or 5xx', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/octet-stream']) {
      const login = await app.request
        .post('/api/auth/login')
        .set('Content-Type', type)
        .send('username=admin&password=x');
      expect([login.status, login.body.code], type).toEqual([400, 'validation_failed']);
      const queue = await app.request
        .post('/api/comfy/queue')
        .set(admin.bearer)
        .set('Origin', app.origin)
        .set('Content-Type', type)
        .send('{"prompt":{}}');
      expect(queue.status, type).toBe(400);
      expect(queue.body.code, type).toEqual(expect.any(String));
    }
    await expectHealthy();
  });

  it('POST /api/comfy/ingest answers JSON fields nested 100,000 levels deep with 400, storing nothing', async () => {
    const curator = await app.login('curator');
    const png = await images.png();
    for (const [name, body] of Object.entries(deepBodies)) {
      for (const field of ['workflow', 'metadata']) {
        const res = await ingest(app, curator, png, { [field]: body }).set('Origin', app.origin);
        expect(res.status, `${field}: ${name}`).toBe(400);
        expect(res.body.code, `${field}: ${name}`).toBe('validation_failed');
      }
    }
    expect(await filesUnder(app, 'generated')).toEqual([]);
    await expectHealthy();
  });

  it('still answers a well-formed request normally after all that', async () => {
    const me = await app.request.get('/api/auth/me').set(admin.bearer);
    expect(me.status).toBe(200);
    const res = await app.request
      .patch('/api/admin/config')
      .set(admin.bearer)
      .set('Origin', app.origin)
      .send({});
    expect(res.status).toBeLessThan(500);
    expect(res.status).not.toBe(404);
  });
});
