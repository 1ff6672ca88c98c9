import { startComfySim, type ComfySim } from '@atelier/comfy-sim';
import type { ComfyObjectInfoResponse, ComfyQueueResponse, ComfyStatusResponse } from '@atelier/contract';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  comfyEnv,
  CountingProxy,
  presetFiles,
  quickWorkflow,
  waitFor,
  usersQueueGraphs,
} from './comfy-kit.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

let sim: ComfySim | undefined;
let proxy: CountingProxy | undefined;
let app: TestApp | undefined;

/** The API talks to the simulator through a relay that counts requests by path. */
async function start(
  env: Record<string, string> = {},
): Promise<{ app: TestApp; sim: ComfySim; proxy: CountingProxy }> {
  sim = await startComfySim({ port: 0, stepMs: 5 });
  proxy = await CountingProxy.start(sim.port);
  app = await createTestApp({
    files: presetFiles,
    env: comfyEnv(proxy.url, { ...usersQueueGraphs, ...env }),
  });
  return { app, sim, proxy };
}

afterEach(async () => {
  await app?.close();
  await proxy?.close();
  await sim?.close();
  app = undefined;
  proxy = undefined;
  sim = undefined;
});

/** Runs a quick job and returns its first image. */
async function producedImage(a: TestApp, session: TestSession) {
  const queued = await a.request
    .post('/api/comfy/queue')
    .set(session.bearer)
    .send({ workflow: quickWorkflow() });
  const promptId = (queued.body as ComfyQueueResponse).prompt_id;
  const done = await waitFor(
    async () =>
      (await a.request.get(`/api/comfy/status/${promptId}`).set(session.bearer)).body as ComfyStatusResponse,
    (s) => s.status === 'succeeded',
  );
  const image = done.images?.[0];
  if (!image) throw new Error('no image');
  return image;
}

describe('GET /api/comfy/view', () => {
  it('streams the image bytes with their type, nosniff and a sandboxing CSP', async () => {
    const { app, sim } = await start();
    const user = await app.login('user');
    const image = await producedImage(app, user);
    const direct = Buffer.from(
      await (
        await fetch(`${sim.url}/view?filename=${image.filename}&subfolder=${image.subfolder}&type=output`)
      ).arrayBuffer(),
    );

    const response = await app.request.get('/api/comfy/view').query(image).set(user.bearer).expect(200);
    expect(Buffer.compare(response.body as Buffer, direct)).toBe(0);
    expect(response.headers['content-type']).toBe('image/png');
    expect(response.headers['content-length']).toBe(String(direct.length));
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toMatch(/^sandbox/);
    expect(response.headers.etag).toEqual(expect.any(String));
    expect(JSON.stringify(response.headers)).not.toContain(String(sim.port));

    // The browser's form: cookie auth, type defaulted to output.
    const byCookie = await app.request
      .get(`/api/comfy/view?filename=${image.filename}&subfolder=${image.subfolder}`)
      .set('Cookie', user.cookie)
      .expect(200);
    expect((byCookie.body as Buffer).length).toBe(direct.length);

    // Kept-alive upstream connections die with a ComfyUI restart; the next view must not fail for it.
    await sim.restart();
    await app.request.get('/api/comfy/view').query(image).set(user.bearer).expect(200);

    const missing = await app.request.get('/api/comfy/view?filename=nope.png').set(user.bearer).expect(404);
    expect(missing.body).toMatchObject({ code: 'not_found' });
    await app.request.get('/api/comfy/view?filename=a.png').expect(401);
  });

  it('rejects every traversal spelling before contacting ComfyUI', async () => {
    const { app, proxy } = await start();
    // Files put straight into ComfyUI's folders: only curators and admins may see those.
    const user = await app.login('curator');
    const filenames = [
      '..',
      '../secret.png',
      '..%2Fsecret.png',
      '%2e%2e%2fsecret.png',
      '%252e%252e%252fsecret.png',
      '%25252e%25252e%25252fsecret.png',
      '/etc/passwd',
      '%2Fetc%2Fpasswd',
      'C:%5Cwindows%5Cwin.ini',
      '..%5C..%5Csecret.png',
      'a%5Cb.png',
      'x.png%00.jpg',
      'x.png%2500.jpg',
      'sub/pic.png',
      '%EF%BC%8E%EF%BC%8E%EF%BC%8Fsecret.png',
      '%c0%ae%c0%ae%2fsecret.png',
    ];
    const subfolders = [
      '..',
      '../..',
      '../../../../etc',
      'atelier/../..',
      '/etc',
      '%2e%2e',
      '%252e%252e',
      'a%5C..',
      'a%00',
      '.',
      'a/./b',
      'C:',
    ];
    for (const filename of filenames) {
      const response = await app.request
        .get(`/api/comfy/view?filename=${filename}&type=output`)
        .set(user.bearer);
      expect(response.status, filename).toBe(400);
      expect(response.body, filename).toMatchObject({
        code: 'validation_failed',
        details: { filename: expect.any(Array) },
      });
    }
    for (const subfolder of subfolders) {
      const response = await app.request
        .get(`/api/comfy/view?filename=a.png&subfolder=${subfolder}`)
        .set(user.bearer);
      expect(response.status, subfolder).toBe(400);
      expect(response.body, subfolder).toMatchObject({ details: { subfolder: expect.any(Array) } });
    }
    for (const query of [
      'filename=a.png&type=bogus',
      'filename=a.png&type=OUTPUT',
      'subfolder=x',
      'filename=a.png&filename=b.png',
      'filename=a.png&preview=webp',
    ]) {
      const response = await app.request.get(`/api/comfy/view?${query}`).set(user.bearer);
      expect(response.status, query).toBe(400);
    }
    expect(proxy.count('/view')).toBe(0);

    await app.request
      .get('/api/comfy/view?filename=absent.png&subfolder=atelier/sub&type=temp')
      .set(user.bearer)
      .expect(404);
    expect(proxy.count('/view')).toBe(1);
  });

  it('refuses anything ComfyUI serves that is not a raster image', async () => {
    const { app, sim } = await start();
    // Files put straight into ComfyUI's folders: only curators and admins may see those.
    const user = await app.login('curator');
    writeFileSync(
      join(sim.dataDir, 'output', 'evil.svg'),
      '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    );
    writeFileSync(join(sim.dataDir, 'output', 'page.html'), '<script>alert(1)</script>');
    for (const filename of ['evil.svg', 'page.html']) {
      const response = await app.request
        .get(`/api/comfy/view?filename=${filename}`)
        .set(user.bearer)
        .expect(502);
      expect(response.body).toMatchObject({ code: 'comfy.upstream_error' });
      expect(JSON.stringify(response.body)).not.toContain('<script>');
    }
  });

  it('answers 502 when ComfyUI is unreachable and 504 when it stalls', async () => {
    const { app, sim } = await start({ COMFY_TIMEOUT: '1' });
    // Files put straight into ComfyUI's folders: only curators and admins may see those.
    const user = await app.login('curator');
    sim.setFaults({ stallMs: 3000, pathPrefix: '/view' });
    const stalled = await app.request.get('/api/comfy/view?filename=slow.png').set(user.bearer).expect(504);
    expect(stalled.body).toMatchObject({ code: 'comfy.timeout' });
    sim.clearFaults();
    await sim.goDown();
    const down = await app.request.get('/api/comfy/view?filename=a.png').set(user.bearer).expect(502);
    expect(down.body).toMatchObject({ code: 'comfy.unreachable' });
    expect(JSON.stringify(down.body)).not.toContain(String(sim.port));
  });

  it('rate-limits each user with 429 and Retry-After', async () => {
    const { app } = await start({ ATELIER_COMFY_VIEW_RATE: '0.5', ATELIER_COMFY_VIEW_BURST: '3' });
    const user = await app.login('user');
    const other = await app.login('user', 'other-user');
    for (let i = 0; i < 3; i++)
      await app.request.get('/api/comfy/view?filename=none.png').set(user.bearer).expect(404);
    const limited = await app.request.get('/api/comfy/view?filename=none.png').set(user.bearer).expect(429);
    expect(limited.body).toMatchObject({ code: 'rate_limited' });
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await app.request.get('/api/comfy/view?filename=none.png').set(other.bearer).expect(404);
  });
});

describe('GET /api/comfy/object-info', () => {
  it('caches object_info, refreshes on request at most every so often', async () => {
    const { app, proxy } = await start({ ATELIER_COMFY_REFRESH_INTERVAL_S: '30' });
    const user = await app.login('user');
    const first = (await app.request.get('/api/comfy/object-info').set(user.bearer).expect(200))
      .body as ComfyObjectInfoResponse;
    expect(first.stale).toBe(false);
    expect(Object.keys(first.object_info)).toContain('KSampler');
    expect(proxy.count('/object_info')).toBe(1);

    const second = (await app.request.get('/api/comfy/object-info').set(user.bearer).expect(200))
      .body as ComfyObjectInfoResponse;
    expect(second.fetched_at).toBe(first.fetched_at);
    expect(proxy.count('/object_info')).toBe(1);

    await app.request.get('/api/comfy/object-info?refresh=1').set(user.bearer).expect(200);
    expect(proxy.count('/object_info')).toBe(2);
    const limited = await app.request.get('/api/comfy/object-info?refresh=1').set(user.bearer).expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(1);
    expect(proxy.count('/object_info')).toBe(2);
    await app.request.get('/api/comfy/object-info?refresh=maybe').set(user.bearer).expect(400);
  });

  it('serves the last copy, marked stale, while ComfyUI is down', async () => {
    const { app, sim } = await start({ COMFY_OBJECT_INFO_TTL_S: '0' });
    const user = await app.login('user');
    const fresh = (await app.request.get('/api/comfy/object-info').set(user.bearer).expect(200))
      .body as ComfyObjectInfoResponse;
    await sim.goDown();
    const stale = (await app.request.get('/api/comfy/object-info').set(user.bearer).expect(200))
      .body as ComfyObjectInfoResponse;
    expect(stale).toMatchObject({ stale: true, fetched_at: fresh.fetched_at });
    expect(Object.keys(stale.object_info)).toHaveLength(Object.keys(fresh.object_info).length);
  });

  it('answers 502 when ComfyUI is down and nothing was cached', async () => {
    // Down from the start: a backend that answers has its object_info fetched on connect (for routing).
    sim = await startComfySim({ port: 0, stepMs: 5 });
    await sim.goDown();
    app = await createTestApp({ files: presetFiles, env: comfyEnv(sim.url, usersQueueGraphs) });
    const user = await app.login('user');
    const response = await app.request.get('/api/comfy/object-info').set(user.bearer).expect(502);
    expect(response.body).toMatchObject({ code: 'comfy.unreachable' });
  });
});
