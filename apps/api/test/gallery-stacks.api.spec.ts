import type { GalleryImage } from '@atelier/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepImage, search, searchIds, type SampleSettings } from './gallery-search-kit.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

/** Auto-stacks: images whose settings differ only by seed show as one, with a count. */
describe('GET /api/gallery/images: auto-stacks', () => {
  let app: TestApp;
  let curator: TestSession;
  let user: TestSession;
  let batch: GalleryImage[];
  let other: GalleryImage;
  let otherCurators: GalleryImage;

  const settings: SampleSettings = {
    positive: 'a lighthouse in fog',
    checkpoint: 'sdxl.safetensors',
    seed: 1,
  };

  beforeAll(async () => {
    app = await createTestApp({ env: { COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' } });
    curator = await app.login('curator');
    user = await app.login('user');
    batch = [];
    for (const seed of [1, 2, 3]) batch.push(await keepImage(app, curator, { ...settings, seed }));
    other = await keepImage(app, curator, { ...settings, cfg: 4 });
    // Same settings, another person: another stack.
    otherCurators = await keepImage(app, await app.login('curator', 'second-curator'), settings);
  });
  afterAll(() => app.close());

  it('collapses a stack to its newest member with the count, and a switch flattens it', async () => {
    const stacked = await search(app, user, {});
    expect(stacked.items.map((item) => [item.id, item.stack?.count ?? 1])).toEqual([
      [otherCurators.id, 1],
      [other.id, 1],
      [batch[2]!.id, 3],
    ]);
    // The count is of images: the three tiles hold five.
    expect(stacked.total_estimate).toBe(5);
    const flat = await search(app, user, { stacks: 0 });
    expect(flat.items).toHaveLength(5);
    expect(flat.items.every((item) => item.stack === undefined)).toBe(true);
  });

  it("lists one stack's members, newest first", async () => {
    const { items } = await search(app, user, {});
    const key = items.find((item) => item.id === batch[2]!.id)!.stack!.key;
    expect(await searchIds(app, user, { stack: key })).toEqual([batch[2]!.id, batch[1]!.id, batch[0]!.id]);
    expect(await searchIds(app, user, { stack: 'no-such-stack' })).toEqual([]);
  });

  it('stacks the matches only: a filter on one member shows that member alone', async () => {
    const { items } = await search(app, user, { q: 'seed:2' });
    expect(items.map((item) => [item.id, item.stack])).toEqual([[batch[1]!.id, undefined]]);
    const fog = await search(app, user, { q: 'fog', sort: 'oldest' });
    expect(fog.items.map((item) => [item.id, item.stack?.count ?? 1])).toEqual([
      [batch[2]!.id, 3],
      [other.id, 1],
      [otherCurators.id, 1],
    ]);
  });
});
