import type { GalleryFacets, GalleryImage, GalleryImageDetail } from '@atelier/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  keepImage,
  patchImage,
  searchIds,
  setOwner,
  setReviewStatus,
  type SampleSettings,
} from './gallery-search-kit.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

/**
 * PATCH /api/gallery/images/:id: rating, favourite, tags and note, by the image's owner or a
 * curator. What it writes is searchable at once, and a refused request writes nothing. One app for
 * the file; each test keeps its own images.
 */
describe('PATCH /api/gallery/images/:id', () => {
  let app: TestApp;
  let curator: TestSession;
  let user: TestSession;
  let seed = 0;

  const keep = (settings: Partial<SampleSettings> = {}): Promise<GalleryImage> =>
    keepImage(app, curator, { positive: 'a quiet harbour at dawn', ...settings, seed: (seed += 1) });

  async function detail(id: number): Promise<GalleryImageDetail> {
    const res = await app.request.get(`/api/gallery/images/${id}`).set(curator.bearer);
    expect(res.status).toBe(200);
    return res.body as GalleryImageDetail;
  }

  async function facetTags(query: Record<string, string> = {}): Promise<string[]> {
    const res = await app.request.get('/api/gallery/facets').query(query).set(curator.bearer);
    expect(res.status).toBe(200);
    return (res.body as GalleryFacets).tags.map((tag) => tag.value);
  }

  /** Sends a PATCH that must be refused with 400 and asserts the image did not change at all. */
  async function refused(id: number, body: unknown): Promise<Record<string, unknown>> {
    const before = await detail(id);
    const res = await patchImage(app, curator, id, body);
    expect(res.status, JSON.stringify(body).slice(0, 120)).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(await detail(id)).toEqual(before);
    return (res.body.details ?? {}) as Record<string, unknown>;
  }

  beforeAll(async () => {
    app = await createTestApp({ env: { COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' } });
    curator = await app.login('curator');
    user = await app.login('user');
  });

  afterAll(() => app.close());

  describe('who may', () => {
    it('lets a curator change any image and answers the updated detail', async () => {
      const image = await keep();
      const other = await app.login('curator', 'other-curator');
      const res = await patchImage(app, other, image.id, {
        rating: 4,
        favorite: true,
        tags: ['sunset'],
        note: 'for the spring catalogue',
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({
        id: image.id,
        rating: 4,
        favorite: true,
        tags: ['sunset'],
        note: 'for the spring catalogue',
        params: { positive: 'a quiet harbour at dawn' },
        provenance: expect.any(Object),
      });
      expect(await detail(image.id)).toEqual(res.body);
    });

    it('lets a plain user change their own image, even a private one', async () => {
      const image = await keep();
      await setOwner(app, [image.id], user.user.id);
      await setReviewStatus(app, [image.id], 'private');
      const res = await patchImage(app, user, image.id, { rating: 2, tags: ['mine'] });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body).toMatchObject({ rating: 2, tags: ['mine'], status: 'private' });
    });

    it("refuses a plain user another's approved image (403) and hides an invisible one (404)", async () => {
      const shown = await keep();
      const before = await detail(shown.id);
      const forbidden = await patchImage(app, user, shown.id, { rating: 5 });
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.code).toBe('auth.forbidden');
      expect(await detail(shown.id)).toEqual(before);

      for (const status of ['private', 'pending', 'rejected'] as const) {
        const hidden = await keep();
        await setReviewStatus(app, [hidden.id], status);
        const res = await patchImage(app, user, hidden.id, { rating: 5 });
        expect(res.status, status).toBe(404);
        expect(res.body.code, status).toBe('gallery.not_found');
        expect((await detail(hidden.id)).rating, status).toBe(0);
      }
      const missing = await patchImage(app, curator, 999_999, { rating: 1 });
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('gallery.not_found');
    });
  });

  describe('tags', () => {
    it('normalises tags and merges the ones that become the same', async () => {
      const image = await keep();
      const res = await patchImage(app, curator, image.id, {
        tags: ['Client A', 'client-a', '  CLIENT   a ', 'Sunset', 'v2.1', 'ﬁnal'],
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.tags).toEqual(['client-a', 'sunset', 'v2.1', 'final']);
      expect(await searchIds(app, curator, { q: 'tag:client-a' })).toEqual([image.id]);
      expect(await searchIds(app, curator, { tag: 'Client A' })).toEqual([image.id]);
    });

    it('refuses a bad tag with its index, writing nothing', async () => {
      const image = await keep();
      expect((await patchImage(app, curator, image.id, { rating: 3, tags: ['keep-me'] })).status).toBe(200);
      for (const [tags, index] of [
        [['fine', '-dash-first'], 1],
        [['', 'fine'], 0],
        [['fine', 'other', 'semi;colon'], 2],
        [['fine', 'x'.repeat(65)], 1],
      ] as const) {
        const details = await refused(image.id, { rating: 5, tags });
        expect(Object.keys(details), JSON.stringify(tags)).toContain(`tags.${index}`);
      }
      expect(await refused(image.id, { tags: 'solo' })).toHaveProperty('tags');
      expect(await refused(image.id, { tags: null })).toHaveProperty('tags');
      expect(await refused(image.id, { tags: ['ok', 7] })).toSatisfy((details: object) =>
        Object.keys(details).some((key) => key.startsWith('tags')),
      );
      expect(await facetTags()).not.toContain('fine');
    });

    it('holds at most 50 tags', async () => {
      const image = await keep();
      const fifty = Array.from({ length: 50 }, (_, i) => `t${i}`);
      const ok = await patchImage(app, curator, image.id, { tags: fifty });
      expect(ok.status).toBe(200);
      expect(ok.body.tags).toHaveLength(50);
      expect(await refused(image.id, { tags: [...fifty, 't50'] })).toHaveProperty('tags');
    });

    it('replacing the tags takes the old ones out of search and facets', async () => {
      const image = await keep({ positive: 'an orchard in autumn' });
      await patchImage(app, curator, image.id, { tags: ['zebra-stripes', 'client-old'] });
      expect(await searchIds(app, curator, { q: 'tag:client-old' })).toEqual([image.id]);
      expect(await searchIds(app, curator, { q: 'zebra' })).toEqual([image.id]);
      expect(await facetTags({ q: 'orchard' })).toEqual(['client-old', 'zebra-stripes']);

      const res = await patchImage(app, curator, image.id, { tags: ['client-new'] });
      expect(res.body.tags).toEqual(['client-new']);
      expect(await searchIds(app, curator, { q: 'tag:client-old' })).toEqual([]);
      expect(await searchIds(app, curator, { q: 'zebra' })).toEqual([]);
      expect(await searchIds(app, curator, { q: 'tag:client-new' })).toEqual([image.id]);
      expect(await facetTags({ q: 'orchard' })).toEqual(['client-new']);

      expect((await patchImage(app, curator, image.id, { tags: [] })).body.tags).toEqual([]);
      expect(await facetTags({ q: 'orchard' })).toEqual([]);
    });
  });

  describe('rating, favourite and note', () => {
    it('takes a whole rating from 0 to 5, and min_rating filters by it', async () => {
      const low = await keep({ positive: 'rated meadow one' });
      const high = await keep({ positive: 'rated meadow two' });
      expect((await patchImage(app, curator, low.id, { rating: 2 })).body.rating).toBe(2);
      expect((await patchImage(app, curator, high.id, { rating: 5 })).body.rating).toBe(5);
      expect(await searchIds(app, curator, { q: 'meadow', min_rating: 3 })).toEqual([high.id]);
      expect(await searchIds(app, curator, { q: 'meadow', min_rating: 2 })).toEqual([high.id, low.id]);
      expect(await searchIds(app, curator, { q: 'meadow rating:>=5' })).toEqual([high.id]);
      for (const rating of [6, -1, 2.5, '3', null, true]) {
        expect(await refused(high.id, { rating }), String(rating)).toHaveProperty('rating');
      }
      expect((await patchImage(app, curator, high.id, { rating: 0 })).body.rating).toBe(0);
      expect(await searchIds(app, curator, { q: 'meadow', min_rating: 1 })).toEqual([low.id]);
    });

    it('sets and clears the favourite flag, and refuses a non-boolean', async () => {
      const image = await keep();
      expect((await patchImage(app, curator, image.id, { favorite: true })).body.favorite).toBe(true);
      expect(await refused(image.id, { favorite: 'yes' })).toHaveProperty('favorite');
      expect(await refused(image.id, { favorite: null })).toHaveProperty('favorite');
      expect((await patchImage(app, curator, image.id, { favorite: false })).body.favorite).toBe(false);
    });

    it('makes the note searchable, clears it when empty, and refuses one over 4000 characters', async () => {
      const image = await keep({ positive: 'a foggy pier' });
      const note = 'approved by Quixotica for the brochure';
      expect((await patchImage(app, curator, image.id, { note })).body.note).toBe(note);
      expect(await searchIds(app, curator, { q: 'quixotica' })).toEqual([image.id]);
      expect(await searchIds(app, curator, { q: 'pier brochure' })).toEqual([image.id]);

      expect(await refused(image.id, { note: 'n'.repeat(4001) })).toHaveProperty('note');
      expect(await refused(image.id, { note: 42 })).toHaveProperty('note');
      // Null is refused, not taken as absent (a null rating once reached the row: a 500).
      expect(await refused(image.id, { note: null })).toHaveProperty('note');
      expect((await patchImage(app, curator, image.id, { note: 'n'.repeat(4000) })).status).toBe(200);

      for (const empty of ['', '   ']) {
        await patchImage(app, curator, image.id, { note });
        const res = await patchImage(app, curator, image.id, { note: empty });
        expect(res.body.note).toBeNull();
        expect(await searchIds(app, curator, { q: 'quixotica' })).toEqual([]);
      }
    });

    it('leaves the fields a PATCH does not name as they were', async () => {
      const image = await keep();
      await patchImage(app, curator, image.id, { rating: 3, favorite: true, tags: ['kept'], note: 'kept' });
      const res = await patchImage(app, curator, image.id, { rating: 1 });
      expect(res.body).toMatchObject({ rating: 1, favorite: true, tags: ['kept'], note: 'kept' });
      expect((await patchImage(app, curator, image.id, {})).body).toMatchObject({
        rating: 1,
        tags: ['kept'],
      });
    });

    it('refuses fields it does not take', async () => {
      const image = await keep();
      expect(await refused(image.id, { rating: 2, status: 'approved' })).toHaveProperty('status');
      expect(await refused(image.id, { created_by: 1 })).toHaveProperty('created_by');
    });
  });
});
