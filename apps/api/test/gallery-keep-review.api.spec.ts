import type {
  AuditPage,
  ComfyStatusResponse,
  GalleryImageDetail,
  GallerySearchPage,
  KeepResponse,
  ReviewPage,
} from '@atelier/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EventBus } from '../src/events/event-bus.js';
import { ReviewService } from '../src/gallery/review/review.service.js';
import { startComfyHarness, waitFor, type ComfyHarness } from './comfy-kit.js';
import type { TestApp, TestSession } from './test-app.js';

/**
 * Issue 12, "who keeps what": every user keeps their own results as private images, submits them for
 * review; curators reject (with a note the owner sees) or approve for the team; every decision is in
 * the image's trail. An admin setting captures every finished job's images without anyone keeping them.
 */

let harness: ComfyHarness;
let app: TestApp;
let owner: TestSession;
let other: TestSession;
let curator: TestSession;

beforeEach(async () => {
  harness = await startComfyHarness({
    sim: { stepMs: 5, models: { checkpoints: ['fake-model.safetensors'] } },
  });
  app = harness.app;
  owner = await app.login('user', 'ada');
  other = await app.login('user', 'bob');
  curator = await app.login('curator', 'cora');
});

afterEach(async () => {
  await harness.close();
});

/** Queues a small txt2img job as `session`; its seed makes its image's bytes its own. */
async function queue(session: TestSession, seed: number, steps = 2): Promise<string> {
  const response = await app.request
    .post('/api/comfy/txt2img')
    .set(session.bearer)
    .send({ caption: `a lighthouse ${seed}`, width: 64, height: 64, steps, seed })
    .expect(201);
  return (response.body as { prompt_id: string }).prompt_id;
}

async function finished(session: TestSession, promptId: string): Promise<void> {
  await waitFor(
    async () =>
      (await app.request.get(`/api/comfy/status/${promptId}`).set(session.bearer))
        .body as ComfyStatusResponse,
    (status) => status.status === 'succeeded',
  );
}

async function runJob(session: TestSession, seed: number): Promise<string> {
  const promptId = await queue(session, seed);
  await finished(session, promptId);
  return promptId;
}

const keep = (session: TestSession, body: object) =>
  app.request.post('/api/gallery/keep').set(session.bearer).send(body);

const detail = (session: TestSession, id: number) =>
  app.request.get(`/api/gallery/images/${id}`).set(session.bearer);

async function searchIds(session: TestSession): Promise<number[]> {
  const page = (await app.request.get('/api/gallery/images?stacks=0').set(session.bearer).expect(200))
    .body as GallerySearchPage;
  return page.items.map((item) => item.id);
}

async function keepOne(session: TestSession, seed: number): Promise<number> {
  const promptId = await runJob(session, seed);
  const kept = (await keep(session, { prompt_id: promptId }).expect(200)).body as KeepResponse;
  return kept.items[0]!.image.id;
}

const reviewQueue = (session: TestSession, query = '') =>
  app.request.get(`/api/review${query}`).set(session.bearer);

describe('POST /api/gallery/keep', () => {
  it('keeps the outputs of the user’s own finished job as private images', async () => {
    const promptId = await runJob(owner, 1);
    const res = await keep(owner, { prompt_id: promptId });
    expect(res.status).toBe(200);
    const { items } = res.body as KeepResponse;
    expect(
      items.map((item) => [item.duplicate, item.image.created_by.username, item.image.prompt_id]),
    ).toEqual([[false, 'ada', promptId]]);
    const id = items[0]!.image.id;

    const mine = (await detail(owner, id).expect(200)).body as GalleryImageDetail;
    expect([mine.status, mine.review, mine.review_note]).toEqual(['private', [], null]);
    expect((await detail(curator, id)).status).toBe(200);
    expect([(await detail(other, id)).status, (await detail(other, id)).body.code]).toEqual([
      404,
      'gallery.not_found',
    ]);
    expect(await searchIds(owner)).toContain(id);
    expect(await searchIds(curator)).toContain(id);
    expect(await searchIds(other)).not.toContain(id);

    // The same bytes again answer the image as it is: same owner, still private.
    const again = (await keep(owner, { prompt_id: promptId }).expect(200)).body as KeepResponse;
    expect(again.items.map((item) => [item.duplicate, item.image.id])).toEqual([[true, id]]);
    const byCurator = await app.request
      .post('/api/comfy/ingest/from-job')
      .set(curator.bearer)
      .send({ prompt_id: promptId })
      .expect(200);
    expect(byCurator.body.items[0]).toMatchObject({
      duplicate: true,
      image: { id, created_by: { username: 'ada' } },
    });
    expect(((await detail(owner, id)).body as GalleryImageDetail).status).toBe('private');
  });

  it('answers another user’s job as unknown (404), a running job with 409, and checks the body', async () => {
    const promptId = await runJob(owner, 2);
    for (const session of [other, curator]) {
      const res = await keep(session, { prompt_id: promptId });
      expect([res.status, res.body.code]).toEqual([404, 'comfy.job_not_found']);
    }
    const unknown = await keep(owner, { prompt_id: '00000000-0000-4000-8000-000000000000' });
    expect([unknown.status, unknown.body.code]).toEqual([404, 'comfy.job_not_found']);
    for (const body of [{}, { prompt_id: '../history' }, { prompt_id: promptId, images: [] }]) {
      expect((await keep(owner, body)).status, JSON.stringify(body)).toBe(400);
    }

    // 150 steps of 5 ms: still running when the keep arrives.
    const running = await queue(owner, 3, 150);
    const early = await keep(owner, { prompt_id: running });
    expect([early.status, early.body.code]).toEqual([409, 'conflict']);
    await finished(owner, running);
    expect(await searchIds(curator)).toEqual([]);
  });

  it('lets a curator’s ingest approve at once, as before', async () => {
    const promptId = await runJob(curator, 4);
    const res = await app.request
      .post('/api/comfy/ingest/from-job')
      .set(curator.bearer)
      .send({ prompt_id: promptId })
      .expect(200);
    const id = (res.body as KeepResponse).items[0]!.image.id;
    expect(((await detail(other, id).expect(200)).body as GalleryImageDetail).status).toBe('approved');
  });
});

describe('review: submit, the queue, reject, approve', () => {
  it('walks an image from private to approved, each decision recorded with who and when', async () => {
    const reviews = app.nest.get(ReviewService);
    const id = await keepOne(owner, 5);

    // Only the owner (or a curator) submits; a plain user never approves or rejects.
    expect(await reviews.submit([id], other.user)).toEqual({ affected: 0, skipped: 1 });
    expect(await reviews.approve([id], owner.user)).toEqual({ affected: 0, skipped: 1 });
    expect(await reviews.reject([id], owner.user, 'no')).toEqual({ affected: 0, skipped: 1 });
    expect(await reviews.submit([id, id, 999_999], owner.user)).toEqual({ affected: 1, skipped: 1 });
    expect(await reviews.submit([id], owner.user)).toEqual({ affected: 0, skipped: 0 });
    expect(((await detail(owner, id)).body as GalleryImageDetail).status).toBe('pending');

    expect([(await reviewQueue(owner)).status, (await reviewQueue(owner)).body.code]).toEqual([
      403,
      'auth.forbidden',
    ]);
    const queue = (await reviewQueue(curator).expect(200)).body as ReviewPage;
    expect(queue.items.map((item) => [item.id, item.status, item.review_note])).toEqual([
      [id, 'pending', null],
    ]);
    expect(queue.items[0]!.submitted_at).toEqual(expect.stringMatching(/^\d{4}-\d\d-\d\dT/));
    expect(queue.items[0]!.params.positive).toBe('a lighthouse 5');
    expect([queue.total_estimate, queue.next_cursor]).toEqual([1, null]);
    expect(await searchIds(other)).not.toContain(id);

    expect(await reviews.reject([id], curator.user, '  Too dark; brighten the sky.  ')).toEqual({
      affected: 1,
      skipped: 0,
    });
    const rejected = (await detail(owner, id)).body as GalleryImageDetail;
    expect([rejected.status, rejected.review_note]).toEqual(['rejected', 'Too dark; brighten the sky.']);
    expect((await detail(other, id)).status).toBe(404);
    expect(((await reviewQueue(curator)).body as ReviewPage).items).toEqual([]);

    // Resubmitted: the curator sees why it was rejected before.
    expect(await reviews.submit([id], owner.user)).toEqual({ affected: 1, skipped: 0 });
    const again = (await reviewQueue(curator)).body as ReviewPage;
    expect(again.items.map((item) => [item.id, item.review_note])).toEqual([
      [id, 'Too dark; brighten the sky.'],
    ]);
    expect(await reviews.approve([id], curator.user)).toEqual({ affected: 1, skipped: 0 });
    expect(await searchIds(other)).toContain(id);

    const final = (await detail(owner, id)).body as GalleryImageDetail;
    expect([final.status, final.review_note]).toEqual(['approved', null]);
    expect(final.review.map((entry) => [entry.decision, entry.by.username, entry.note])).toEqual([
      ['submitted', 'ada', null],
      ['rejected', 'cora', 'Too dark; brighten the sky.'],
      ['submitted', 'ada', null],
      ['approved', 'cora', null],
    ]);
    const times = final.review.map((entry) => entry.at);
    expect([...times].sort()).toEqual(times);
    expect(((await detail(curator, id)).body as GalleryImageDetail).review).toEqual(final.review);
    // Another user sees the approved image, not its trail.
    const seen = (await detail(other, id).expect(200)).body as GalleryImageDetail;
    expect([seen.review, seen.review_note]).toEqual([[], null]);

    const admin = await app.login('admin');
    const audit = await waitFor(
      async () => (await app.request.get('/api/admin/audit').set(admin.bearer)).body as AuditPage,
      (page) => page.items.filter((entry) => entry.action.startsWith('gallery.images_')).length === 2,
    );
    expect(
      audit.items
        .filter((entry) => entry.action.startsWith('gallery.images_'))
        .map((entry) => [entry.action, entry.actor.username, entry.target.id, entry.details]),
    ).toEqual([
      ['gallery.images_approved', 'cora', String(id), { ids: [id] }],
      ['gallery.images_rejected', 'cora', String(id), { ids: [id], note: 'Too dark; brighten the sky.' }],
    ]);
  });

  it('pages the queue oldest submission first, and refuses over-long notes', async () => {
    const reviews = app.nest.get(ReviewService);
    const first = await keepOne(owner, 6);
    const second = await keepOne(owner, 7);
    const third = await keepOne(other, 8);
    await reviews.submit([second], owner.user);
    await reviews.submit([third], other.user);
    await reviews.submit([first], owner.user);

    const seen: number[] = [];
    let cursor: string | null = '';
    while (cursor !== null) {
      const query: string = cursor === '' ? '?limit=2' : `?limit=2&cursor=${cursor}`;
      const page = (await reviewQueue(curator, query).expect(200)).body as ReviewPage;
      expect(page.total_estimate).toBe(3);
      seen.push(...page.items.map((item) => item.id));
      cursor = page.next_cursor;
    }
    expect(seen).toEqual([second, third, first]);
    expect((await reviewQueue(curator, '?cursor=nonsense')).status).toBe(400);
    expect((await reviewQueue(curator, '?limit=0')).status).toBe(400);

    await expect(reviews.reject([first], curator.user, 'x'.repeat(2001))).rejects.toThrow(/at most 2000/);
    expect(await reviews.reject([first, second], curator.user, 'x'.repeat(2000))).toEqual({
      affected: 2,
      skipped: 0,
    });
    // Curators may submit anyone's images again.
    expect(await reviews.submit([first, second, third], curator.user)).toEqual({ affected: 2, skipped: 0 });
  });
});

describe('gallery_auto_capture', () => {
  const gallery = async () =>
    (
      (await app.request.get('/api/gallery/images?stacks=0').set(curator.bearer).expect(200))
        .body as GallerySearchPage
    ).items;

  it('captures every finished job’s images as private images of its owner while on, and nothing while off', async () => {
    const admin = await app.login('admin');
    const offJob = await runJob(owner, 9);

    await app.request
      .patch('/api/admin/config')
      .set(admin.bearer)
      .send({ gallery_auto_capture: true })
      .expect(200);
    const onJob = await runJob(owner, 10);
    const captured = await waitFor(gallery, (items) => items.length > 0);
    expect(captured.map((item) => [item.prompt_id, item.status, item.created_by.username])).toEqual([
      [onJob, 'private', 'ada'],
    ]);
    const id = captured[0]!.id;
    expect(await searchIds(other)).toEqual([]);
    expect(await searchIds(owner)).toEqual([id]);
    expect((await gallery()).some((item) => item.prompt_id === offJob)).toBe(false);

    // Announced again: nothing new. Kept by hand afterwards: the captured image, as it is.
    const status = (await app.request.get(`/api/comfy/status/${onJob}`).set(owner.bearer))
      .body as ComfyStatusResponse;
    await app.nest.get(EventBus).publish('job.succeeded', {
      promptId: onJob,
      ownerId: owner.user.id,
      job: {
        status: 'succeeded',
        queuePosition: null,
        progress: null,
        images: status.images ?? [],
        error: null,
      },
    });
    const kept = (await keep(owner, { prompt_id: onJob }).expect(200)).body as KeepResponse;
    expect(kept.items.map((item) => [item.duplicate, item.image.id])).toEqual([[true, id]]);
    expect((await gallery()).map((item) => item.id)).toEqual([id]);

    await app.request
      .patch('/api/admin/config')
      .set(admin.bearer)
      .send({ gallery_auto_capture: false })
      .expect(200);
    const laterJob = await runJob(owner, 11);
    const marker = await keepOne(other, 12);
    expect((await gallery()).map((item) => [item.id, item.prompt_id === laterJob])).toEqual([
      [marker, false],
      [id, false],
    ]);
  });
});
