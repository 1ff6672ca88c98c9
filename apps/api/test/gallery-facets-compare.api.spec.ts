import type { GalleryComparison, GalleryFacets, GalleryImage, GallerySimilar } from '@atelier/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepImage, patchImage, type SampleSettings } from './gallery-search-kit.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

type Query = Record<string, string | number>;
type Name = 'src' | 'near' | 'far' | 'fruit' | 'otherModel' | 't1' | 't2' | 't3' | 'sailor';

/**
 * Facets, the N-way comparison, "more like this" and autocomplete over a small gallery whose
 * parameters the graph walk recorded at ingest. One app for the file: the tests read, but for one
 * that adds an image without parameters and one that re-tags an image and restores it.
 */
describe('gallery facets, compare, similar and values', () => {
  let app: TestApp;
  let curator: TestSession;
  let user: TestSession;
  const img = {} as Record<Name, GalleryImage>;

  const xl = 'sdxl_base.safetensors';
  const trio: SampleSettings = {
    positive: 'three quiet boats in a misty bay',
    negative: 'blurry',
    checkpoint: 'sd15_pruned.safetensors',
    sampler: 'dpmpp_2m',
  };
  const cliff = 'red lighthouse on a rocky cliff at';
  const detail: SampleSettings['loras'] = [['detail.safetensors', 0.8]];
  const samples: [Name, SampleSettings, 'other'?][] = [
    ['src', { positive: `${cliff} dusk`, checkpoint: xl, loras: detail }],
    ['near', { positive: `${cliff} noon`, checkpoint: xl, loras: detail }],
    ['far', { positive: 'lighthouse in deep snow', checkpoint: xl }],
    ['fruit', { positive: 'bowl of ripe fruit', checkpoint: xl }],
    ['otherModel', { positive: `${cliff} dusk`, checkpoint: 'my_sd_merge.safetensors' }],
    ['t1', { ...trio, seed: 11, cfg: 7 }],
    ['t2', { ...trio, seed: 12, cfg: 5.5 }],
    ['t3', { ...trio, seed: 13, cfg: 9 }],
    [
      'sailor',
      {
        positive: 'portrait of an old sailor',
        checkpoint: 'dreamshaper.safetensors',
        sampler: 'euler_ancestral',
        loras: [
          ['film_grain.safetensors', 0.5],
          ['detail.safetensors', 1],
        ],
      },
      'other',
    ],
  ];

  beforeAll(async () => {
    app = await createTestApp({ env: { COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' } });
    curator = await app.login('curator');
    const other = await app.login('curator', 'other-curator');
    user = await app.login('user');
    for (const [name, settings, by] of samples) {
      img[name] = await keepImage(app, by ? other : curator, { seed: 1, ...settings });
    }
    const tag = async (names: Name[], tags: string[]) => {
      for (const name of names)
        expect((await patchImage(app, curator, img[name].id, { tags })).status).toBe(200);
    };
    await tag(['t1', 't2', 't3'], ['boats']);
    await tag(['src'], ['client-a']);
    await tag(['near'], ['client-a', 'lighthouse']);
  });

  afterAll(() => app.close());

  const get = (path: string, query: Query = {}) => app.request.get(path).query(query).set(user.bearer);

  describe('GET /api/gallery/facets', () => {
    async function facets(query: Query = {}): Promise<GalleryFacets> {
      const res = await get('/api/gallery/facets', query);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as GalleryFacets;
    }

    it('counts each checkpoint, LoRA, sampler, tag and owner, most first', async () => {
      expect(await facets()).toEqual({
        checkpoints: [
          { value: xl, count: 4 },
          { value: 'sd15_pruned.safetensors', count: 3 },
          { value: 'dreamshaper.safetensors', count: 1 },
          { value: 'my_sd_merge.safetensors', count: 1 },
        ],
        loras: [
          { value: 'detail.safetensors', count: 3 },
          { value: 'film_grain.safetensors', count: 1 },
        ],
        samplers: [
          { value: 'euler', count: 5 },
          { value: 'dpmpp_2m', count: 3 },
          { value: 'euler_ancestral', count: 1 },
        ],
        tags: [
          { value: 'boats', count: 3 },
          { value: 'client-a', count: 2 },
          { value: 'lighthouse', count: 1 },
        ],
        owners: [
          { value: 'test-curator', count: 8 },
          { value: 'other-curator', count: 1 },
        ],
        matches: 9,
        sampled: false,
      });
    });

    it('counts only the matches of the text query', async () => {
      const seen = await facets({ q: 'lighthouse' });
      expect(seen.matches).toBe(4);
      expect(seen.checkpoints).toEqual([
        { value: xl, count: 3 },
        { value: 'my_sd_merge.safetensors', count: 1 },
      ]);
      expect(seen.tags).toEqual([
        { value: 'client-a', count: 2 },
        { value: 'lighthouse', count: 1 },
      ]);
      expect(seen.sampled).toBe(false);
      expect(await facets({ q: 'nothingmatchesthis' })).toMatchObject({
        matches: 0,
        checkpoints: [],
        owners: [],
      });
    });

    it('applies filter parameters and filters written in q alike', async () => {
      const bySd15 = await facets({ checkpoint: 'sd15_pruned.safetensors' });
      expect(bySd15).toMatchObject({
        matches: 3,
        samplers: [{ value: 'dpmpp_2m', count: 3 }],
        tags: [{ value: 'boats', count: 3 }],
        loras: [],
      });
      expect((await facets({ q: 'model:sdxl lora:detail' })).matches).toBe(2);
      expect((await facets({ q: 'red', checkpoint: xl })).matches).toBe(2);
      expect((await facets({ owner: 'other-curator' })).checkpoints).toEqual([
        { value: 'dreamshaper.safetensors', count: 1 },
      ]);
      expect((await facets({ tag: 'client-a', sampler: 'euler' })).matches).toBe(2);
    });

    it('refuses filters it cannot apply', async () => {
      const bad: Query[] = [{ min_rating: 9 }, { status: 'lost' }, { size: 'big' }, { q: 'rating>=9' }];
      for (const query of bad) {
        const res = await get('/api/gallery/facets', query);
        expect(res.status, JSON.stringify(query)).toBe(400);
        expect(res.body.code).toBe('validation_failed');
      }
    });
  });

  describe('GET /api/gallery/compare', () => {
    const compare = (ids: string) => get('/api/gallery/compare', { ids });

    it('lists what varies, one value per id in the order asked, and what is shared', async () => {
      const ids = [img.t3.id, img.t1.id, img.t2.id];
      const res = await compare(ids.join(','));
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      const body = res.body as GalleryComparison;
      expect(body.ids).toEqual(ids);
      expect(body.varies).toEqual({ cfg: [9, 7, 5.5], seed: [13, 11, 12] });
      expect(body.shared).toMatchObject({
        positive: trio.positive,
        negative: 'blurry',
        checkpoint: 'sd15_pruned.safetensors',
        loras: [],
        sampler: 'dpmpp_2m',
        scheduler: 'normal',
        steps: 20,
        width: 1024,
        height: 1024,
        owner: 'test-curator',
        tags: ['boats'],
        rating: 0,
      });
    });

    it('shows every difference between unlike images', async () => {
      const res = await compare(`${img.src.id},${img.sailor.id}`);
      expect(res.status).toBe(200);
      const { varies, shared } = res.body as GalleryComparison;
      expect(varies.checkpoint).toEqual([xl, 'dreamshaper.safetensors']);
      expect(varies.owner).toEqual(['test-curator', 'other-curator']);
      expect(varies.loras).toEqual([
        [{ name: 'detail.safetensors', weight: 0.8 }],
        [
          { name: 'film_grain.safetensors', weight: 0.5 },
          { name: 'detail.safetensors', weight: 1 },
        ],
      ]);
      expect(shared).toMatchObject({ seed: 1, steps: 20, cfg: 7 });
    });

    it('compares tags as a set', async () => {
      const res = await compare(`${img.near.id},${img.src.id}`);
      expect(res.body.varies.tags).toEqual([['client-a', 'lighthouse'], ['client-a']]);
      await patchImage(app, curator, img.src.id, { tags: ['lighthouse', 'client-a'] });
      const again = await compare(`${img.near.id},${img.src.id}`);
      expect(again.body.shared.tags).toEqual(['client-a', 'lighthouse']);
      expect(again.body.varies).toEqual({ positive: [`${cliff} noon`, `${cliff} dusk`] });
      await patchImage(app, curator, img.src.id, { tags: ['client-a'] });
    });

    it('takes 2 to 50 image ids and nothing else', async () => {
      const one = img.src.id;
      const fifty = Array.from({ length: 50 }, (_, i) => 1000 + i).join(',');
      const fiftyOne = Array.from({ length: 51 }, (_, i) => 1 + i).join(',');
      for (const ids of [
        `${one}`,
        fiftyOne,
        `${one},x`,
        `${one},`,
        `${one},0`,
        `${one},-2`,
        `${one},1.5`,
        '',
      ]) {
        const res = await compare(ids);
        expect(res.status, ids).toBe(400);
        expect(res.body.code, ids).toBe('validation_failed');
        expect(res.body.details, ids).toHaveProperty('ids');
      }
      expect((await get('/api/gallery/compare')).status).toBe(400);
      // An image compared with itself is not a comparison.
      const twice = await compare(`${one},${one}`);
      expect(twice.status).toBe(400);
      expect(twice.body.details).toHaveProperty('ids');
      // Fifty ids pass validation; these name no image.
      const missing = await compare(fifty);
      expect(missing.status).toBe(404);
      expect(missing.body.code).toBe('gallery.not_found');
    });
  });

  describe('GET /api/gallery/images/:id/similar', () => {
    const similar = async (name: Name, query: Record<string, number> = {}) => {
      const res = await get(`/api/gallery/images/${img[name].id}/similar`, query);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return (res.body as GallerySimilar).items.map((item) => item.id);
    };

    it('ranks the same checkpoint by shared distinctive words, never the image itself', async () => {
      expect(await similar('src')).toEqual([img.near.id, img.far.id]);
      expect(await similar('src', { limit: 1 })).toEqual([img.near.id]);
      expect(await similar('far')).toEqual(expect.arrayContaining([img.src.id, img.near.id]));
      expect(await similar('far')).not.toContain(img.otherModel.id);
    });

    it('answers with the items and their parameters', async () => {
      const res = await get(`/api/gallery/images/${img.src.id}/similar`);
      expect(res.body.items[0]).toMatchObject({
        id: img.near.id,
        params: { checkpoint: xl },
        tags: ['client-a', 'lighthouse'],
      });
    });

    it('finds nothing for a prompt no other image of its checkpoint shares', async () => {
      expect(await similar('fruit')).toEqual([]);
      expect(await similar('otherModel')).toEqual([]);
      const bare = await keepImage(app, curator, null);
      const res = await get(`/api/gallery/images/${bare.id}/similar`);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ items: [] });
    });

    it('refuses a bad limit and answers 404 for an unknown image', async () => {
      for (const limit of [0, 51, 'x']) {
        expect((await get(`/api/gallery/images/${img.src.id}/similar`, { limit })).status).toBe(400);
      }
      const res = await get('/api/gallery/images/999999/similar');
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('gallery.not_found');
    });
  });

  describe('GET /api/gallery/values', () => {
    const values = async (kind: string, prefix: string, limit?: number) => {
      const res = await get('/api/gallery/values', { kind, prefix, ...(limit ? { limit } : {}) });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.kind).toBe(kind);
      return res.body.values as string[];
    };

    it('offers values starting with the prefix, then those containing it', async () => {
      const sd = ['sd15_pruned.safetensors', 'sdxl_base.safetensors', 'my_sd_merge.safetensors'];
      expect(await values('checkpoint', 'sd')).toEqual(sd);
      expect(await values('checkpoint', 'SD')).toEqual(sd);
      expect(await values('checkpoint', 'sd', 2)).toEqual(sd.slice(0, 2));
      expect(await values('lora', 'grain')).toEqual(['film_grain.safetensors']);
      expect(await values('sampler', 'euler')).toEqual(['euler', 'euler_ancestral']);
      expect(await values('tag', 'client')).toEqual(['client-a']);
      expect(await values('owner', 'curator')).toEqual(['other-curator', 'test-curator']);
      expect(await values('checkpoint', 'zzz')).toEqual([]);
    });

    it('refuses an unknown kind or a bad limit', async () => {
      const bad: Query[] = [{ kind: 'bogus' }, {}, { kind: 'tag', limit: 0 }, { kind: 'tag', limit: 51 }];
      for (const query of bad) {
        const res = await get('/api/gallery/values', query);
        expect(res.status, JSON.stringify(query)).toBe(400);
        expect(res.body.code).toBe('validation_failed');
      }
    });
  });
});
