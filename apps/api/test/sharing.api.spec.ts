import type { GalleryImage, PublicShare, Share, ShareCreated, ShareList } from '@atelier/contract';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Response } from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARE_RATE_LIMITS, type ShareRateLimits } from '../src/sharing/share-throttle.js';
import { pngChunkTypes } from './gallery-export-bytes-kit.js';
import { ingest } from './gallery-fixtures.js';
import { keepImage, setReviewStatus } from './gallery-search-kit.js';
import { createTestApp, LogCollector, type TestApp, type TestSession } from './test-app.js';

/** Binary bodies as Buffers, whatever their content type. */
function binary(res: Response, done: (error: Error | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

/** The tEXt/iTXt/zTXt keywords of a PNG. */
function pngTextKeys(png: Buffer): string[] {
  const keys: string[] = [];
  for (let at = 8; at + 8 <= png.length; at += 12 + png.readUInt32BE(at)) {
    const type = png.toString('latin1', at + 4, at + 8);
    if (type === 'tEXt' || type === 'iTXt' || type === 'zTXt') {
      const data = png.subarray(at + 8, at + 8 + png.readUInt32BE(at));
      keys.push(data.toString('latin1', 0, data.indexOf(0)));
    }
  }
  return keys;
}

describe('share links', () => {
  let app: TestApp;
  let curator: TestSession;
  let user: TestSession;
  let admin: TestSession;
  let comfy: GalleryImage;
  const kept: GalleryImage[] = [];

  beforeAll(async () => {
    app = await createTestApp({ env: { COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' } });
    curator = await app.login('curator');
    user = await app.login('user');
    admin = await app.login('admin');
    // The real ComfyUI output: its tEXt chunks hold the prompt and the workflow.
    const bytes = await readFile(
      join(import.meta.dirname, '../../../packages/comfy-sim/test/recordings/view_output_png.png'),
    );
    const res = await ingest(app, curator, bytes, {}, 'ComfyUI_00001_.png');
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    comfy = res.body.image as GalleryImage;
    for (const word of ['harbour', 'forest', 'desert']) {
      kept.push(await keepImage(app, curator, { positive: `a ${word} at dawn`, seed: kept.length }));
    }
  });
  afterAll(() => app.close());

  const share = async (session: TestSession, body: object): Promise<ShareCreated> => {
    const res = await app.request.post('/api/shares').set(session.bearer).send(body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as ShareCreated;
  };
  const page = (token: string, cookie?: string) => {
    const req = app.request.get(`/api/public/shares/${token}`);
    return cookie ? req.set('Cookie', cookie) : req;
  };
  const file = (token: string, id: number, query = '') =>
    app.request.get(`/api/public/shares/${token}/images/${id}/file${query}`).buffer(true).parse(binary);
  const tokenOf = (created: ShareCreated) => created.url.replace('/s/', '');

  it('shows exactly the shared images without signing in, and no other id through the link', async () => {
    const created = await share(curator, { target: { ids: [kept[0]!.id, kept[2]!.id] }, redact: false });
    expect(created.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(created.url).toBe(`/s/${created.token}`);
    expect(created).toMatchObject({ kind: 'selection', has_password: false, views: 0 });

    const res = await page(created.token);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.headers['x-robots-tag']).toBe('noindex, nofollow');
    const body = res.body as PublicShare;
    expect(body.images.map((image) => image.id)).toEqual([kept[2]!.id, kept[0]!.id]);
    expect(body.images[0]?.params?.positive).toBe('a desert at dawn');
    expect(body.images[0]?.download_url).toBeNull();
    expect(JSON.stringify(body)).not.toContain(kept[0]!.sha256);

    const thumb = await app.request
      .get(`/api/public/shares/${created.token}/images/${kept[0]!.id}/thumbnail`)
      .buffer(true)
      .parse(binary);
    expect([thumb.status, thumb.headers['content-type']]).toEqual([200, 'image/webp']);
    // An image that exists but is not in the link answers the link's own 404, file and thumbnail alike.
    for (const path of ['file', 'thumbnail']) {
      const foreign = await app.request.get(
        `/api/public/shares/${created.token}/images/${kept[1]!.id}/${path}`,
      );
      expect([foreign.status, foreign.body.code]).toEqual([404, 'share.not_found']);
    }
    // No download unless the link allows it.
    const download = await file(created.token, kept[0]!.id, '?download=1');
    expect(download.status).toBe(403);
  });

  it('drops an image the owner can no longer see, and counts views', async () => {
    const owner = await app.login('user', 'sharing-owner');
    const mine = await keepImage(app, curator, { positive: 'a lighthouse', seed: 40 });
    await app.sql(`UPDATE "gallery_images" SET "created_by" = ? WHERE "id" = ?`, [owner.user.id, mine.id]);
    await setReviewStatus(app, [mine.id], 'private');
    const created = await share(owner, { target: { image_id: mine.id } });
    expect((await page(created.token)).body.images).toHaveLength(1);
    // Another user's private image cannot be shared at all.
    const theirs = await app.request
      .post('/api/shares')
      .set(user.bearer)
      .send({ target: { image_id: mine.id } });
    expect([theirs.status, theirs.body.code]).toEqual([404, 'gallery.not_found']);

    await app.request.delete(`/api/gallery/images/${mine.id}`).set(owner.bearer).expect(204);
    expect((await page(created.token)).body.images).toEqual([]);
    const list = (await app.request.get('/api/shares').set(owner.bearer)).body as ShareList;
    expect(list.items.find((item) => item.id === created.id)?.views).toBe(2);
  });

  it('resolves a smart board as of each view', async () => {
    const board = await app.request
      .post('/api/boards')
      .set(curator.bearer)
      .send({ name: 'Lighthouses', query: { q: 'lighthouse' } });
    expect(board.status, JSON.stringify(board.body)).toBe(201);
    const created = await share(curator, { target: { board_id: board.body.id } });
    const before = (await page(created.token)).body as PublicShare;
    expect(before.title).toBe('Lighthouses');
    const added = await keepImage(app, curator, { positive: 'a lighthouse in fog', seed: 41 });
    const after = (await page(created.token)).body as PublicShare;
    expect(after.images.map((image) => image.id)).toEqual([
      added.id,
      ...before.images.map((image) => image.id),
    ]);
    expect(after.images.every((image) => image.params === null)).toBe(true);
  });

  it('redacts the page and the bytes: no prompt or workflow left in the PNG, viewed or downloaded', async () => {
    const plain = await share(curator, { target: { image_id: comfy.id }, redact: false });
    const original = await file(plain.token, comfy.id);
    expect(original.status).toBe(200);
    expect(pngTextKeys(original.body as Buffer)).toContain('prompt');

    const created = await share(curator, { target: { image_id: comfy.id }, allow_download: true });
    expect(created.redact).toBe(true);
    const body = (await page(created.token)).body as PublicShare;
    expect(body.images[0]?.params).toBeNull();
    expect(JSON.stringify(body)).not.toMatch(/KSampler|CheckpointLoader/);
    for (const query of ['', '?download=1']) {
      const res = await file(created.token, comfy.id, query);
      expect(res.status).toBe(200);
      const bytes = res.body as Buffer;
      expect(pngChunkTypes(bytes)).toContain('IDAT');
      expect(pngTextKeys(bytes).filter((key) => key === 'prompt' || key === 'workflow')).toEqual([]);
      expect(bytes.includes('KSampler')).toBe(false);
      expect(res.headers['content-disposition']).toMatch(query ? /^attachment/ : /^inline/);
    }
  });

  it('answers 410 once expired, and the same 404 for revoked and unknown links', async () => {
    const past = await app.request
      .post('/api/shares')
      .set(curator.bearer)
      .send({ target: { image_id: kept[0]!.id }, expires_at: '2001-01-01T00:00:00Z' });
    expect([past.status, past.body.code]).toEqual([400, 'validation_failed']);
    const created = await share(curator, {
      target: { image_id: kept[0]!.id },
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect((await page(created.token)).status).toBe(200);
    await app.sql(`UPDATE "shares" SET "expires_at" = ? WHERE "id" = ?`, [
      new Date('2001-01-01T00:00:00.000Z'),
      created.id,
    ]);
    const expired = await page(created.token);
    expect([expired.status, expired.body.code, expired.headers['x-robots-tag']]).toEqual([
      410,
      'share.expired',
      'noindex, nofollow',
    ]);

    const other = await share(curator, { target: { image_id: kept[1]!.id } });
    // Only its owner (or an admin) revokes it; to anyone else it is unknown.
    const meddle = await app.request.delete(`/api/shares/${other.id}`).set(user.bearer);
    expect([meddle.status, meddle.body.code]).toEqual([404, 'share.not_found']);
    await app.request.delete(`/api/shares/${other.id}`).set(curator.bearer).expect(204);
    const revoked = await page(other.token);
    const unknown = await page(tokenOf({ ...other, url: `/s/${'A'.repeat(43)}` }));
    expect(revoked.status).toBe(404);
    expect(revoked.body).toEqual(unknown.body);
    expect(revoked.body.code).toBe('share.not_found');
    const revokedImage = await file(other.token, kept[1]!.id);
    expect(revokedImage.status).toBe(404);
  });

  it('asks for the password, refuses a wrong one, and opens page and images with the unlock cookie', async () => {
    const created = await share(curator, { target: { image_id: kept[0]!.id }, password: 'sesame-123' });
    expect(created.has_password).toBe(true);
    const locked = await page(created.token);
    expect([locked.status, locked.body.code]).toEqual([401, 'share.password_required']);
    expect((await file(created.token, kept[0]!.id)).status).toBe(401);
    const unlock = (password: string) =>
      app.request.post(`/api/public/shares/${created.token}/unlock`).send({ password });
    const wrong = await unlock('open-sesame');
    expect([wrong.status, wrong.body.code]).toEqual([401, 'share.wrong_password']);
    const right = await unlock('sesame-123');
    expect(right.status).toBe(204);
    const setCookie = String(right.headers['set-cookie']);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    expect(setCookie).toContain(`Path=/api/public/shares/${created.token}`);
    const cookie = setCookie.split(';')[0]!;
    expect((await page(created.token, cookie)).status).toBe(200);
    const image = await file(created.token, kept[0]!.id).set('Cookie', cookie);
    expect(image.status).toBe(200);
    // A forged cookie opens nothing.
    const forged = await page(created.token, `${cookie.split('.')[0]}.${'x'.repeat(43)}`);
    expect(forged.status).toBe(401);
  });

  it("lists a user's own links; only admins list everyone's", async () => {
    const mine = await share(user, { target: { image_id: kept[0]!.id } });
    const own = (await app.request.get('/api/shares').set(user.bearer)).body as ShareList;
    expect(own.items.map((item: Share) => item.owner.id)).toEqual(own.items.map(() => user.user.id));
    expect(own.items.map((item) => item.id)).toContain(mine.id);
    expect(JSON.stringify(own)).not.toContain(mine.token);
    const refused = await app.request.get('/api/shares?all=1').set(user.bearer);
    expect([refused.status, refused.body.code]).toEqual([403, 'auth.forbidden']);
    const all = (await app.request.get('/api/shares?all=1').set(admin.bearer)).body as ShareList;
    expect(new Set(all.items.map((item) => item.owner.id))).toEqual(
      new Set([
        user.user.id,
        curator.user.id,
        all.items.find((i) => i.owner.username === 'sharing-owner')!.owner.id,
      ]),
    );
    const both = await app.request
      .post('/api/shares')
      .set(user.bearer)
      .send({ target: { image_id: kept[0]!.id, board_id: 1 } });
    expect([both.status, both.body.code]).toEqual([400, 'validation_failed']);
  });
});

describe('share links under load', () => {
  let app: TestApp;
  const limits: ShareRateLimits = {
    perIp: { ratePerS: 0.001, burst: 3 },
    unlockPerShare: { ratePerS: 0.001, burst: 2 },
  };

  beforeAll(async () => {
    app = await createTestApp({ overrides: [[SHARE_RATE_LIMITS, limits]] });
  });
  afterAll(() => app.close());

  it('answers 429 with Retry-After past the per-address budget', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1)
      statuses.push((await app.request.get(`/api/public/shares/${'B'.repeat(43)}`)).status);
    expect(statuses).toEqual([404, 404, 404, 429]);
    const limited = await app.request.get(`/api/public/shares/${'B'.repeat(43)}`);
    expect(limited.body.code).toBe('rate_limited');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('share tokens in the logs', () => {
  let app: TestApp;
  afterAll(() => app.close());

  it('are redacted from logged URLs (the page path /s/… is never request-logged)', async () => {
    const logs = new LogCollector();
    app = await createTestApp({
      env: { LOG_LEVEL: 'info', COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' },
      logs,
    });
    const curator = await app.login('curator');
    const image = await keepImage(app, curator, { positive: 'a quiet pier', seed: 1 });
    const created = (
      await app.request
        .post('/api/shares')
        .set(curator.bearer)
        .send({ target: { image_id: image.id } })
        .expect(201)
    ).body as ShareCreated;
    await app.request.get(`/api/public/shares/${created.token}`).expect(200);
    await app.request.get(`/api/public/shares/${created.token}/images/${image.id}/thumbnail`).expect(200);
    await app.request.get(`/s/${created.token}?x=1`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const urls = logs.lines
      .map((line) => (line.req as { url?: string } | undefined)?.url)
      .filter((url): url is string => typeof url === 'string' && /\/(?:s|shares)\//.test(url));
    expect(urls).toContain('/api/public/shares/[redacted]');
    expect(logs.text).not.toContain(created.token);
  });
});

describe('the share page as the app ships', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await createTestApp({
      files: { 'apps/web/dist/index.html': '<!doctype html><div id="app">atelier-spa</div>' },
    });
  });
  afterAll(() => app.close());

  it('serves /s/:token as the SPA with X-Robots-Tag noindex, and leaves other pages indexable', async () => {
    const page = await app.request.get(`/s/${'C'.repeat(43)}`);
    expect([page.status, page.text.includes('atelier-spa')]).toEqual([200, true]);
    expect(page.headers['x-robots-tag']).toBe('noindex, nofollow');
    const unknown = await app.request.get(`/api/public/shares/${'C'.repeat(43)}`);
    expect([unknown.status, unknown.headers['x-robots-tag']]).toEqual([404, 'noindex, nofollow']);
    const login = await app.request.get('/login');
    expect([login.status, login.headers['x-robots-tag']]).toEqual([200, undefined]);
    const sweeps = await app.request.get('/sweeps/1');
    expect(sweeps.headers['x-robots-tag']).toBeUndefined();
  });
});
