import type { GalleryImage, ShareCreated } from '@atelier/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepImage } from './gallery-search-kit.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

/**
 * A share link's bytes must not outlive the link in a browser's cache: they are revalidated at each use
 * (304 while the link lives, 404 once revoked), where the signed-in gallery's stay immutable.
 */
describe('share links: caching of their images', () => {
  let app: TestApp;
  let curator: TestSession;
  let image: GalleryImage;

  beforeAll(async () => {
    app = await createTestApp({ env: { COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' } });
    curator = await app.login('curator');
    image = await keepImage(app, curator, { positive: 'a windmill by a canal', seed: 7 });
  });
  afterAll(() => app.close());

  const share = async (body: object): Promise<ShareCreated> => {
    const res = await app.request.post('/api/shares').set(curator.bearer).send(body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as ShareCreated;
  };

  const urls = (token: string) => {
    const base = `/api/public/shares/${token}/images/${image.id}`;
    return [`${base}/file`, `${base}/file?download=1`, `${base}/thumbnail`];
  };

  it('the gallery keeps its images immutable', async () => {
    for (const path of [
      `/api/gallery/images/${image.id}/file`,
      `/api/gallery/images/${image.id}/file?download=1`,
      `/api/gallery/images/${image.id}/thumbnail`,
    ]) {
      const res = await app.request.get(path).set(curator.bearer);
      expect([path, res.status]).toEqual([path, 200]);
      expect(res.headers['cache-control']).toBe('private, max-age=31536000, immutable');
    }
  });

  for (const redact of [true, false]) {
    it(`revalidates a ${redact ? 'redacted' : 'plain'} link's file, download and thumbnail: 304 while live, 404 once revoked`, async () => {
      const created = await share({ target: { image_id: image.id }, redact, allow_download: true });
      const etags = new Map<string, string>();
      for (const path of urls(created.token)) {
        const res = await app.request.get(path);
        expect([path, res.status]).toEqual([path, 200]);
        expect(res.headers['cache-control']).toBe('private, no-cache');
        expect(res.headers['cache-control']).not.toMatch(/immutable|max-age=[1-9]/);
        const etag = res.headers.etag;
        expect(etag).toMatch(/^"/);
        etags.set(path, etag!);
        const again = await app.request.get(path).set('If-None-Match', etag!);
        expect([path, again.status]).toEqual([path, 304]);
        expect(again.headers['cache-control']).toBe('private, no-cache');
      }

      await app.request.delete(`/api/shares/${created.id}`).set(curator.bearer).expect(204);
      for (const path of urls(created.token)) {
        const res = await app.request.get(path).set('If-None-Match', etags.get(path)!);
        expect([path, res.status, res.body.code]).toEqual([path, 404, 'share.not_found']);
      }
    });
  }
});
