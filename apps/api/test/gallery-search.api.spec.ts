import type { GalleryImage } from '@atelier/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepImage, search, searchIds, type SampleSettings } from './gallery-search-kit.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

/**
 * Text search, filters, sorts and stacks over a small gallery whose parameters the graph walk
 * recorded at ingest. One app for the file: every test only reads.
 */
describe('GET /api/gallery/images: search', () => {
  let app: TestApp;
  let curator: TestSession;
  let user: TestSession;
  const kept: Record<string, GalleryImage> = {};

  const samples: Record<string, [SampleSettings, { width: number; height: number }?]> = {
    lighthouse: [
      {
        positive: 'a red lighthouse on a cliff, stormy sea',
        negative: 'blurry, lowres',
        checkpoint: 'sd_xl_base_1.0.safetensors',
        loras: [['detail_tweaker_xl.safetensors', 0.8]],
        sampler: 'dpmpp_2m',
        seed: 42,
      },
      { width: 64, height: 64 },
    ],
    lighthouseNight: [
      {
        positive: 'a white lighthouse at night, stars',
        negative: 'watermark',
        checkpoint: 'sd_xl_base_1.0.safetensors',
        sampler: 'euler',
        seed: 7,
      },
      { width: 48, height: 64 },
    ],
    cat: [
      {
        positive: 'portrait of a ginger cat, red scarf, soft light',
        negative: 'blurry',
        checkpoint: 'dreamshaper_8.safetensors',
        loras: [['film_grain.safetensors', 0.5]],
        sampler: 'euler_ancestral',
        seed: 42,
      },
      { width: 64, height: 48 },
    ],
    redRoom: [
      { positive: 'an empty red room', checkpoint: 'flux1-dev.safetensors', sampler: 'euler', seed: 3 },
      { width: 64, height: 48 },
    ],
  };

  beforeAll(async () => {
    app = await createTestApp({ env: { COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' } });
    curator = await app.login('curator');
    user = await app.login('user');
    for (const [name, [settings, size]] of Object.entries(samples)) {
      kept[name] = await keepImage(app, curator, settings, size);
    }
    kept.plain = await keepImage(app, curator, null);
  });
  afterAll(() => app.close());

  const id = (name: string) => kept[name]!.id;
  const ids = (query: Record<string, string | number>) => searchIds(app, user, query);

  it('answers every image with its parameters, newest first', async () => {
    const page = await search(app, user, {});
    expect(page.items.map((item) => item.id)).toEqual([
      id('plain'),
      id('redRoom'),
      id('cat'),
      id('lighthouseNight'),
      id('lighthouse'),
    ]);
    expect(page.total_estimate).toBe(5);
    expect(page.total_exact).toBe(true);
    const lighthouse = page.items.find((item) => item.id === id('lighthouse'))!;
    expect(lighthouse.params).toEqual({
      positive: 'a red lighthouse on a cliff, stormy sea',
      negative: 'blurry, lowres',
      checkpoint: 'sd_xl_base_1.0.safetensors',
      loras: [{ name: 'detail_tweaker_xl.safetensors', weight: 0.8 }],
      sampler: 'dpmpp_2m',
      scheduler: 'normal',
      steps: 20,
      cfg: 7,
      seed: 42,
      denoise: 1,
      width: 1024,
      height: 1024,
      template_id: null,
      template_version: null,
      backend: null,
      backend_version: null,
      source: 'graph',
    });
    expect(page.items.find((item) => item.id === id('plain'))!.params.source).toBe('none');
  });

  it('finds words, prefixes, phrases and excludes words', async () => {
    expect(await ids({ q: 'lighthouse' })).toEqual([id('lighthouseNight'), id('lighthouse')]);
    expect(await ids({ q: 'LIGHTHOUSE' })).toEqual([id('lighthouseNight'), id('lighthouse')]);
    expect(await ids({ q: 'light*' })).toEqual([id('cat'), id('lighthouseNight'), id('lighthouse')]);
    expect(await ids({ q: '"red lighthouse"' })).toEqual([id('lighthouse')]);
    expect(await ids({ q: '"lighthouse red"' })).toEqual([]);
    expect(await ids({ q: 'red' })).toEqual([id('redRoom'), id('cat'), id('lighthouse')]);
    expect(await ids({ q: 'red -lighthouse' })).toEqual([id('redRoom'), id('cat')]);
    expect(await ids({ q: 'red lighthouse' })).toEqual([id('lighthouse')]);
    // Only excluded words: everything else.
    expect(await ids({ q: '-red' })).toEqual([id('plain'), id('lighthouseNight')]);
  });

  it('searches the negative prompt only when asked (neg:)', async () => {
    expect(await ids({ q: 'blurry' })).toEqual([]);
    expect(await ids({ q: 'neg:blurry' })).toEqual([id('cat'), id('lighthouse')]);
    expect(await ids({ q: 'neg:blurry -neg:lowres' })).toEqual([id('cat')]);
  });

  it('finds an image by its file name', async () => {
    const { sha256 } = kept.cat!;
    expect(await ids({ q: `${sha256.slice(0, 12)}*` })).toEqual([id('cat')]);
  });

  it('filters by checkpoint (exact name, else any containing it), LoRA, sampler and seed', async () => {
    expect(await ids({ q: 'model:sd_xl' })).toEqual([id('lighthouseNight'), id('lighthouse')]);
    expect(await ids({ checkpoint: 'SD_XL_BASE_1.0.safetensors' })).toEqual([
      id('lighthouseNight'),
      id('lighthouse'),
    ]);
    expect(await ids({ q: 'model:nothing-like-it' })).toEqual([]);
    expect(await ids({ q: 'lora:detail' })).toEqual([id('lighthouse')]);
    expect(await ids({ lora: 'film' })).toEqual([id('cat')]);
    expect(await ids({ q: 'sampler:euler' })).toEqual([id('redRoom'), id('lighthouseNight')]);
    expect(await ids({ q: 'seed:42' })).toEqual([id('cat'), id('lighthouse')]);
    expect(await ids({ seed: 42, q: 'red model:dreamshaper' })).toEqual([id('cat')]);
  });

  it('filters by owner, dates, size, aspect and workflow', async () => {
    expect(await ids({ q: `owner:${curator.user.username}` })).toHaveLength(5);
    expect(await ids({ owner: user.user.username })).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    expect(await ids({ from: today })).toHaveLength(5);
    expect(await ids({ to: '2000-01-01' })).toEqual([]);
    expect(await ids({ q: 'from:2999-01-01' })).toEqual([]);
    expect(await ids({ size: '64x64' })).toEqual([id('lighthouse')]);
    expect(await ids({ aspect: 'square' })).toEqual([id('lighthouse')]);
    expect(await ids({ aspect: 'portrait' })).toEqual([id('lighthouseNight')]);
    expect(await ids({ q: '-has:workflow' })).toEqual([id('plain')]);
    expect(await ids({ has_workflow: 'true' })).toHaveLength(4);
  });

  it('answers 400 with the reasons for a query it cannot apply, never a wider search', async () => {
    for (const [query, field] of [
      [{ q: 'modle:sdxl' }, 'q'],
      [{ q: 'seed:abc' }, 'q'],
      [{ q: 'l*' }, 'q'],
      [{ q: 'model:a', checkpoint: 'b' }, 'q'],
      [{ from: '2026-02-30' }, 'from'],
      [{ sort: 'sideways' }, 'sort'],
      [{ seed: '-1' }, 'seed'],
      [{ size: '12by12' }, 'size'],
      [{ min_rating: '6' }, 'min_rating'],
      [{ board: '0' }, 'board'],
      [{ q: 'x'.repeat(1001) }, 'q'],
      [{ cursor: 'garbage' }, 'cursor'],
    ] as const) {
      const res = await app.request.get('/api/gallery/images').query(query).set(user.bearer);
      expect([res.status, res.body.code], JSON.stringify(query)).toEqual([400, 'validation_failed']);
      expect(Object.keys(res.body.details), JSON.stringify(query)).toContain(field);
    }
    // A board the user cannot see is as unknown as one that does not exist.
    const board = await app.request.get('/api/gallery/images').query({ board: 3 }).set(user.bearer);
    expect([board.status, board.body.code]).toEqual([404, 'not_found']);
  });

  it('pages every sort with cursors, each image exactly once', async () => {
    for (const sort of ['newest', 'oldest', 'rating', 'random']) {
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page = await search(app, user, {
          sort,
          limit: 2,
          ...(cursor ? { cursor } : {}),
          seed_order: 9,
        });
        seen.push(...page.items.map((item) => item.id));
        cursor = page.next_cursor;
      } while (cursor);
      expect([...seen].sort(), sort).toEqual(
        Object.values(kept)
          .map((image) => image.id)
          .sort(),
      );
      if (sort === 'oldest') expect(seen).toEqual([...seen].sort((a, b) => a - b));
    }
    // A cursor continues only the sort that wrote it.
    const first = await search(app, user, { sort: 'oldest', limit: 2 });
    const res = await app.request
      .get('/api/gallery/images')
      .query({ sort: 'newest', cursor: first.next_cursor! })
      .set(user.bearer);
    expect(res.status).toBe(400);
  });

  it('sorts by rating, then newest, with or without text, a page at a time', async () => {
    for (const [name, rating] of [
      ['lighthouse', 5],
      ['redRoom', 5],
      ['cat', 2],
    ] as const) {
      const res = await app.request
        .patch(`/api/gallery/images/${id(name)}`)
        .set(curator.bearer)
        .send({ rating });
      expect(res.status).toBe(200);
    }
    const walk = async (query: Record<string, string | number>) => {
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page = await search(app, user, {
          ...query,
          sort: 'rating',
          stacks: 0,
          limit: 1,
          ...(cursor ? { cursor } : {}),
        });
        seen.push(...page.items.map((item) => item.id));
        cursor = page.next_cursor;
      } while (cursor);
      return seen;
    };
    expect(await walk({})).toEqual([
      id('redRoom'),
      id('lighthouse'),
      id('cat'),
      id('plain'),
      id('lighthouseNight'),
    ]);
    expect(await walk({ q: 'red' })).toEqual([id('redRoom'), id('lighthouse'), id('cat')]);
    expect(await walk({ q: 'red', min_rating: 3 })).toEqual([id('redRoom'), id('lighthouse')]);
    for (const name of ['lighthouse', 'redRoom', 'cat']) {
      await app.request
        .patch(`/api/gallery/images/${id(name)}`)
        .set(curator.bearer)
        .send({ rating: 0 });
    }
  });

  it("carries the first page's count in its cursor, for the same search only", async () => {
    const first = await search(app, user, { q: 'red', stacks: 0, limit: 1 });
    expect(first.total_estimate).toBe(3);
    const second = await search(app, user, { q: 'red', stacks: 0, limit: 1, cursor: first.next_cursor! });
    expect(second.total_estimate).toBe(3);
    // The same position under another search counts that search.
    const other = await search(app, user, {
      q: 'lighthouse',
      stacks: 0,
      limit: 1,
      cursor: first.next_cursor!,
    });
    expect(other.total_estimate).toBe(2);
  });

  it('shuffles with a seed: the same seed gives the same order, another seed another', async () => {
    const order = async (seed: number) =>
      (await search(app, user, { sort: 'random', seed_order: seed })).items.map((item) => item.id);
    const orders = new Set<string>();
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      expect(await order(seed)).toEqual(await order(seed));
      orders.add(JSON.stringify(await order(seed)));
    }
    expect(orders.size).toBeGreaterThan(1);
  });
});
