import type { GalleryFacets, GalleryImage, GalleryValues } from '@atelier/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  keepImage,
  patchImage,
  search,
  searchIds,
  setOwner,
  setReviewStatus,
  type SampleSettings,
} from './gallery-search-kit.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

/**
 * One visibility rule behind every gallery read: a plain user sees approved images and their own,
 * curators and admins see all. Another curator's private, pending and rejected images must not
 * show up, be counted, be suggested or be fetched by a plain user. One app: the tests only read (the last two add images).
 */
describe('gallery search: visibility', () => {
  let app: TestApp;
  let curator: TestSession;
  let other: TestSession;
  let admin: TestSession;
  let user: TestSession;
  let stranger: TestSession;
  const img: Record<'shared' | 'hidden' | 'pending' | 'rejected' | 'own', GalleryImage> = {} as never;

  const base: SampleSettings = {
    positive: 'lighthouse harbour sunset, oil painting',
    checkpoint: 'sd_public.safetensors',
    sampler: 'euler',
  };

  beforeAll(async () => {
    app = await createTestApp({ env: { COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' } });
    curator = await app.login('curator');
    other = await app.login('curator', 'other-curator');
    admin = await app.login('admin');
    user = await app.login('user');
    stranger = await app.login('user', 'stranger');
    img.shared = await keepImage(app, curator, { ...base, seed: 1 });
    // Same checkpoint and most words as the shared one: "more like this" would rank it first.
    img.hidden = await keepImage(app, other, {
      ...base,
      positive: 'lighthouse harbour sunset, oil painting, ghost ship',
      loras: [['secret_style.safetensors', 0.7]],
      seed: 2,
    });
    img.pending = await keepImage(app, other, {
      positive: 'ghost ship in fog',
      checkpoint: 'sd_secret.safetensors',
      sampler: 'dpmpp_sde',
      seed: 3,
    });
    img.rejected = await keepImage(app, other, { ...base, positive: 'ghost ship at dawn', seed: 4 });
    img.own = await keepImage(app, curator, { ...base, positive: 'my own lighthouse sketch', seed: 5 });
    expect((await patchImage(app, other, img.hidden.id, { tags: ['hidden-client'] })).status).toBe(200);
    expect((await patchImage(app, curator, img.shared.id, { tags: ['open-client'] })).status).toBe(200);
    await setReviewStatus(app, [img.hidden.id, img.own.id], 'private');
    await setReviewStatus(app, [img.pending.id], 'pending');
    await setReviewStatus(app, [img.rejected.id], 'rejected');
    await setOwner(app, [img.own.id], user.user.id);
  });

  afterAll(() => app.close());

  const all = () => Object.values(img).map((image) => image.id);
  const invisible = () => [img.hidden.id, img.pending.id, img.rejected.id];

  describe('GET /api/gallery/images', () => {
    it('shows a plain user the approved images and their own, nothing else', async () => {
      const page = await search(app, user, { stacks: 0 });
      expect(page.items.map((item) => item.id).sort()).toEqual([img.shared.id, img.own.id].sort());
      expect(page.total_estimate).toBe(2);
      expect((await search(app, stranger, { stacks: 0 })).items.map((item) => item.id)).toEqual([
        img.shared.id,
      ]);
    });

    it('does not find invisible images by their words, tags, checkpoint or status', async () => {
      for (const q of ['ghost', 'tag:hidden-client', 'model:sd_secret', 'status:private']) {
        const page = await search(app, stranger, { q, stacks: 0 });
        expect(page.items, q).toEqual([]);
        expect(page.total_estimate, q).toBe(0);
      }
      expect(await searchIds(app, stranger, { status: 'pending' })).toEqual([]);
      expect(await searchIds(app, user, { q: 'status:private' })).toEqual([img.own.id]);
      expect(await searchIds(app, stranger, { q: 'lighthouse' })).toEqual([img.shared.id]);
    });

    it('shows curators and admins every image, in every state', async () => {
      for (const session of [curator, other, admin]) {
        const page = await search(app, session, { stacks: 0 });
        expect(page.items.map((item) => item.id).sort()).toEqual(all().sort());
        expect(page.total_estimate).toBe(5);
      }
      expect(await searchIds(app, curator, { q: 'ghost' })).toHaveLength(3);
      expect(await searchIds(app, curator, { status: 'rejected' })).toEqual([img.rejected.id]);
    });
  });

  describe('GET /api/gallery/facets', () => {
    async function facets(session: TestSession, query: Record<string, string> = {}) {
      const res = await app.request.get('/api/gallery/facets').query(query).set(session.bearer);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as GalleryFacets;
    }

    it('counts only what the user may see', async () => {
      const seen = await facets(stranger);
      expect(seen.matches).toBe(1);
      expect(seen.checkpoints).toEqual([{ value: 'sd_public.safetensors', count: 1 }]);
      expect(seen.samplers).toEqual([{ value: 'euler', count: 1 }]);
      expect(seen.loras).toEqual([]);
      expect(seen.tags).toEqual([{ value: 'open-client', count: 1 }]);
      expect(seen.owners).toEqual([{ value: 'test-curator', count: 1 }]);
      expect((await facets(stranger, { q: 'ghost' })).matches).toBe(0);
    });

    it("counts the user's own private image for them, and everything for a curator", async () => {
      const mine = await facets(user);
      expect(mine.matches).toBe(2);
      expect(mine.owners).toEqual(
        expect.arrayContaining([
          { value: 'test-user', count: 1 },
          { value: 'test-curator', count: 1 },
        ]),
      );
      const everything = await facets(curator);
      expect(everything.matches).toBe(5);
      expect(everything.tags.map((tag) => tag.value).sort()).toEqual(['hidden-client', 'open-client']);
      expect(everything.owners).toContainEqual({ value: 'other-curator', count: 3 });
      expect(everything.loras).toEqual([{ value: 'secret_style.safetensors', count: 1 }]);
    });
  });

  describe('single images', () => {
    const routes = (id: number) => [
      `/api/gallery/images/${id}`,
      `/api/gallery/images/${id}/file`,
      `/api/gallery/images/${id}/thumbnail`,
      `/api/gallery/images/${id}/similar`,
    ];

    it('answers 404 gallery.not_found for an invisible image, on every route', async () => {
      for (const id of [...invisible(), img.own.id]) {
        for (const path of routes(id)) {
          const res = await app.request.get(path).set(stranger.bearer);
          expect(res.status, path).toBe(404);
          expect(res.body.code, path).toBe('gallery.not_found');
        }
      }
    });

    it('answers the owner and curators the same routes', async () => {
      for (const [session, id] of [
        [user, img.own.id],
        [curator, img.hidden.id],
        [admin, img.rejected.id],
      ] as const) {
        for (const path of routes(id)) {
          const res = await app.request.get(path).set(session.bearer);
          expect(res.status, path).toBe(200);
        }
      }
      const detail = await app.request.get(`/api/gallery/images/${img.own.id}`).set(user.bearer);
      expect(detail.body).toMatchObject({
        id: img.own.id,
        status: 'private',
        created_by: { id: user.user.id },
      });
    });

    it('never offers an invisible image as "more like this"', async () => {
      const similar = async (session: TestSession) => {
        const res = await app.request.get(`/api/gallery/images/${img.shared.id}/similar`).set(session.bearer);
        expect(res.status).toBe(200);
        return (res.body.items as GalleryImage[]).map((item) => item.id);
      };
      // A curator is offered the private near-twin first: the plain user's answer could hold it.
      expect((await similar(curator))[0]).toBe(img.hidden.id);
      expect(await similar(stranger)).not.toContain(img.hidden.id);
      expect(await similar(stranger)).not.toContain(img.rejected.id);
      expect(await similar(user)).toEqual([img.own.id]);
    });

    it('compares only images the user may see all of', async () => {
      const compare = (session: TestSession, ids: number[]) =>
        app.request
          .get('/api/gallery/compare')
          .query({ ids: ids.join(',') })
          .set(session.bearer);
      for (const id of invisible()) {
        const res = await compare(stranger, [img.shared.id, id]);
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('gallery.not_found');
      }
      expect((await compare(user, [img.shared.id, img.own.id])).status).toBe(200);
      expect((await compare(curator, all())).status).toBe(200);
    });
  });

  describe('GET /api/gallery/values', () => {
    async function values(session: TestSession, kind: string, prefix: string) {
      const res = await app.request.get('/api/gallery/values').query({ kind, prefix }).set(session.bearer);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return (res.body as GalleryValues).values;
    }

    it('does not offer a value only invisible images carry', async () => {
      expect(await values(stranger, 'tag', 'hidden')).toEqual([]);
      expect(await values(stranger, 'tag', 'client')).toEqual(['open-client']);
      expect(await values(stranger, 'checkpoint', 'sd_')).toEqual(['sd_public.safetensors']);
      expect(await values(stranger, 'lora', 'secret')).toEqual([]);
      expect(await values(stranger, 'sampler', 'dpm')).toEqual([]);
      expect(await values(stranger, 'owner', 'other')).toEqual([]);
    });

    it('offers them to a curator', async () => {
      expect(await values(curator, 'tag', 'client')).toEqual(['hidden-client', 'open-client']);
      expect(await values(curator, 'checkpoint', 'sd_')).toEqual([
        'sd_public.safetensors',
        'sd_secret.safetensors',
      ]);
      expect(await values(curator, 'lora', 'secret')).toEqual(['secret_style.safetensors']);
      expect(await values(admin, 'owner', 'other')).toEqual(['other-curator']);
    });

    it('does not leak a name that differs from a visible one only in case', async () => {
      const loud = await keepImage(app, other, { ...base, checkpoint: 'SD_PUBLIC.safetensors', seed: 9 });
      await setReviewStatus(app, [loud.id], 'private');
      expect(await values(stranger, 'checkpoint', 'sd_public')).toEqual(['sd_public.safetensors']);
      expect(await values(curator, 'checkpoint', 'sd_public')).toHaveLength(2);
    });
  });

  it("counts and lists only a stack's visible members", async () => {
    const crane = { ...base, positive: 'a harbour crane at night' };
    const [oldest, middle, newest] = [
      await keepImage(app, other, { ...crane, seed: 21 }),
      await keepImage(app, other, { ...crane, seed: 22 }),
      await keepImage(app, other, { ...crane, seed: 23 }),
    ];
    await setReviewStatus(app, [newest.id], 'private');
    const seen = await search(app, stranger, { q: 'crane' });
    expect(seen.items.map((item) => [item.id, item.stack?.count])).toEqual([[middle.id, 2]]);
    // Images, not tiles: the two visible members, never the private one.
    expect(seen.total_estimate).toBe(2);
    const key = seen.items[0]!.stack!.key;
    expect(await searchIds(app, stranger, { stack: key })).toEqual([middle.id, oldest.id]);
    const all = await search(app, curator, { q: 'crane' });
    expect(all.items.map((item) => [item.id, item.stack?.count])).toEqual([[newest.id, 3]]);
    expect(all.total_estimate).toBe(3);
    expect(await searchIds(app, curator, { stack: key })).toHaveLength(3);
  });
});
