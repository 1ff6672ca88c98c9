import type { Board, GalleryImage } from '@atelier/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepImage, searchIds, setStatus } from './gallery-search-kit.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

/** Boards (manual and smart) and bulk actions over ids and over a search. */
describe('boards and POST /api/gallery/bulk', () => {
  let app: TestApp;
  let curator: TestSession;
  let user: TestSession;
  let other: TestSession;
  let images: GalleryImage[];

  beforeAll(async () => {
    app = await createTestApp({ env: { COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' } });
    curator = await app.login('curator');
    user = await app.login('user');
    other = await app.login('user', 'other-user');
    images = [];
    for (const [index, word] of ['harbour', 'harbour', 'forest', 'forest', 'desert'].entries()) {
      images.push(
        await keepImage(app, curator, {
          positive: `a ${word} at dawn`,
          checkpoint: `model-${index % 2}`,
          seed: index,
        }),
      );
    }
  });
  afterAll(() => app.close());

  const id = (index: number) => images[index]!.id;
  const bulk = (session: TestSession, body: object) =>
    app.request.post('/api/gallery/bulk').set(session.bearer).send(body);
  const detail = async (image: number) =>
    (await app.request.get(`/api/gallery/images/${image}`).set(curator.bearer)).body as {
      rating: number;
      tags: string[];
    };
  const createBoard = async (session: TestSession, body: object): Promise<Board> => {
    const res = await app.request.post('/api/boards').set(session.bearer).send(body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as Board;
  };

  it('fills a manual board in bulk, lists it with a cover and a count, and hides it from others', async () => {
    const board = await createBoard(user, { name: '  Picks ' });
    expect(board).toMatchObject({ name: 'Picks', visibility: 'private', query: null, cover: null, count: 0 });
    const added = await bulk(user, {
      selection: { ids: [id(0), id(2), id(4)] },
      action: { type: 'board_add', board_id: board.id },
    });
    expect([added.status, added.body]).toMatchObject([200, { affected: 3, skipped: 0 }]);
    const again = await bulk(user, {
      selection: { ids: [id(0), id(1)] },
      action: { type: 'board_add', board_id: board.id },
    });
    expect(again.body).toMatchObject({ affected: 1, skipped: 0 });
    expect(await searchIds(app, user, { board: board.id })).toEqual([id(4), id(2), id(1), id(0)]);
    expect(await searchIds(app, user, { q: `harbour board:${board.id}` })).toEqual([id(1), id(0)]);
    const shown = await app.request.get(`/api/boards/${board.id}`).set(user.bearer);
    expect(shown.body).toMatchObject({ count: 4, cover: { id: id(4) } });

    // Private: another user neither lists it nor searches it.
    const list = await app.request.get('/api/boards').set(other.bearer);
    expect(list.body.items.map((item: Board) => item.id)).not.toContain(board.id);
    const foreign = await app.request.get('/api/gallery/images').query({ board: board.id }).set(other.bearer);
    expect([foreign.status, foreign.body.code]).toEqual([404, 'not_found']);
    const meddle = await bulk(other, {
      selection: { ids: [id(3)] },
      action: { type: 'board_add', board_id: board.id },
    });
    expect(meddle.status).toBe(404);

    const removed = await bulk(user, {
      selection: { query: { q: 'harbour' } },
      action: { type: 'board_remove', board_id: board.id },
    });
    expect(removed.body).toMatchObject({ affected: 2, skipped: 0 });
    expect(await searchIds(app, user, { board: board.id })).toEqual([id(4), id(2)]);
  });

  it('keeps a smart board current and narrows it by the request', async () => {
    const board = await createBoard(curator, {
      name: 'Forests on model-0',
      visibility: 'team',
      query: { q: 'forest', checkpoint: 'model-0' },
    });
    expect(board.count).toBe(1);
    expect(await searchIds(app, user, { board: board.id })).toEqual([id(2)]);
    const later = await keepImage(app, curator, {
      positive: 'a forest in rain',
      checkpoint: 'model-0',
      seed: 99,
    });
    expect(await searchIds(app, user, { board: board.id })).toEqual([later.id, id(2)]);
    expect(await searchIds(app, user, { board: board.id, q: 'rain' })).toEqual([later.id]);
    const conflict = await app.request
      .get('/api/gallery/images')
      .query({ board: board.id, checkpoint: 'model-1' })
      .set(user.bearer);
    expect([conflict.status, conflict.body.code]).toEqual([400, 'validation_failed']);
    // Visibility still applies inside a smart board.
    await setStatus(app, [later.id], 'private');
    expect(await searchIds(app, user, { board: board.id })).toEqual([id(2)]);
    await setStatus(app, [later.id], 'approved');
    // Only its owner changes it; a bad saved search is refused when saved.
    const patch = await app.request.patch(`/api/boards/${board.id}`).set(user.bearer).send({ name: 'mine' });
    expect([patch.status, patch.body.code]).toEqual([403, 'auth.forbidden']);
    const bad = await app.request
      .post('/api/boards')
      .set(user.bearer)
      .send({ name: 'x', query: { q: 'modle:x' } });
    expect([bad.status, bad.body.code]).toEqual([400, 'validation_failed']);
    const nested = await app.request
      .post('/api/boards')
      .set(user.bearer)
      .send({ name: 'x', query: { board: board.id } });
    expect(nested.status).toBe(400);
    const added = await bulk(curator, {
      selection: { ids: [id(0)] },
      action: { type: 'board_add', board_id: board.id },
    });
    expect([added.status, added.body.code]).toEqual([409, 'conflict']);
  });

  it('tags, rates and favourites everything a search matches; users only their own images', async () => {
    const tagged = await bulk(curator, {
      selection: { query: { q: 'forest' } },
      action: { type: 'tag', tags: ['Client A', 'nature'] },
    });
    expect(tagged.body).toMatchObject({ affected: 3, skipped: 0 });
    expect((await searchIds(app, user, { q: 'tag:client-a' })).length).toBe(3);
    expect((await searchIds(app, user, { q: 'nature' })).length).toBe(3);
    const untagged = await bulk(curator, {
      selection: { ids: [id(2)] },
      action: { type: 'untag', tags: ['nature'] },
    });
    expect(untagged.body).toMatchObject({ affected: 1, skipped: 0 });
    expect((await searchIds(app, user, { q: 'nature' })).length).toBe(2);

    const rated = await bulk(curator, {
      selection: { ids: [id(0), id(1)] },
      action: { type: 'rate', rating: 4 },
    });
    expect(rated.body).toMatchObject({ affected: 2, skipped: 0 });
    expect(await searchIds(app, user, { min_rating: 4 })).toEqual([id(1), id(0)]);
    // The curator's images are not a plain user's to rate.
    const refused = await bulk(user, {
      selection: { ids: [id(0)] },
      action: { type: 'favorite', favorite: true },
    });
    expect(refused.body).toMatchObject({ affected: 0, skipped: 1 });
  });

  it('trashes and restores by search, and reviews in bulk (curators only approve)', async () => {
    const trashed = await bulk(curator, { selection: { query: { q: 'desert' } }, action: { type: 'trash' } });
    expect(trashed.body).toMatchObject({ affected: 1, skipped: 0 });
    expect(await searchIds(app, curator, { q: 'desert' })).toEqual([]);
    expect(await searchIds(app, curator, { q: 'desert', status: 'trashed' })).toEqual([id(4)]);
    const restored = await bulk(curator, { selection: { ids: [id(4)] }, action: { type: 'restore' } });
    expect(restored.body).toMatchObject({ affected: 1, skipped: 0 });
    expect(await searchIds(app, user, { q: 'desert' })).toEqual([id(4)]);

    const approve = await bulk(user, { selection: { ids: [id(4)] }, action: { type: 'approve' } });
    expect([approve.status, approve.body.code]).toEqual([403, 'auth.forbidden']);
    const rejected = await bulk(curator, {
      selection: { ids: [id(4)] },
      action: { type: 'reject', note: 'too dark' },
    });
    expect(rejected.body).toMatchObject({ affected: 1, skipped: 0 });
    // Rejected images are private to their owner (and curators).
    expect(await searchIds(app, user, { q: 'desert' })).toEqual([]);
    const submitted = await bulk(curator, { selection: { ids: [id(4)] }, action: { type: 'submit' } });
    expect(submitted.body).toMatchObject({ affected: 1, skipped: 0 });
    const approved = await bulk(curator, {
      selection: { query: { status: 'pending' } },
      action: { type: 'approve' },
    });
    expect(approved.body).toMatchObject({ affected: 1, skipped: 0 });
    expect(await searchIds(app, user, { q: 'desert' })).toEqual([id(4)]);
  });

  it('answers the requests that undo exactly what changed, and none for review decisions', async () => {
    const before = await Promise.all([id(0), id(1), id(2)].map((image) => detail(image)));
    const rated = await bulk(curator, {
      selection: { ids: [id(0), id(1), id(2)] },
      action: { type: 'rate', rating: 2 },
    });
    const tagged = await bulk(curator, {
      selection: { ids: [id(0), id(1)] },
      action: { type: 'tag', tags: ['undo-me'] },
    });
    expect(tagged.body.undo).toEqual([
      { selection: { ids: [id(1), id(0)] }, action: { type: 'untag', tags: ['undo-me'] } },
    ]);
    for (const request of [...tagged.body.undo, ...rated.body.undo]) {
      const res = await bulk(curator, request);
      expect(res.status).toBe(200);
    }
    const after = await Promise.all([id(0), id(1), id(2)].map((image) => detail(image)));
    expect(after.map((image) => [image.rating, image.tags])).toEqual(
      before.map((image) => [image.rating, image.tags]),
    );
    const submitted = await bulk(curator, { selection: { ids: [id(3)] }, action: { type: 'submit' } });
    expect(submitted.body.undo).toBeNull();
  });

  it('answers 400 for a malformed request and touches nothing', async () => {
    for (const body of [
      {},
      { selection: { ids: [id(0)] } },
      { selection: { ids: [] }, action: { type: 'rate', rating: 1 } },
      { selection: { ids: [id(0)], query: {} }, action: { type: 'rate', rating: 1 } },
      { selection: { ids: [id(0)] }, action: { type: 'rate' } },
      { selection: { ids: [id(0)] }, action: { type: 'rate', rating: 9 } },
      { selection: { ids: [id(0)] }, action: { type: 'explode' } },
      { selection: { ids: [id(0)] }, action: { type: 'tag', tags: ['!!'] } },
      { selection: { query: { q: 'seed:abc' } }, action: { type: 'rate', rating: 1 } },
    ]) {
      const res = await bulk(curator, body);
      expect([res.status, res.body.code], JSON.stringify(body)).toEqual([400, 'validation_failed']);
    }
    expect(await searchIds(app, user, { min_rating: 1 })).toEqual([id(1), id(0)]);
  });
});
