import type {
  BackendListResponse,
  ComfyImageRef,
  ComfyStatusResponse,
  JobListResponse,
  QueueStateResponse,
  SweepCreateResponse,
  SweepResponse,
  Txt2ImgResponse,
} from '@atelier/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Sql } from '../../src/database/sql.js';
import { startComfyHarness, waitFor, type ComfyHarness } from '../comfy-kit.js';
import type { TestApp, TestSession } from '../test-app.js';
import { createScratchDatabase, type ScratchDatabase } from './scratch-database.js';

const metricsToken = 'scraper-token-of-the-postgres-jobs-test-0123456789';
const small = { width: 64, height: 64, steps: 2 };

/**
 * The job ledger on Postgres, through real HTTP and a ComfyUI simulator: a txt2img job queued, run and listed,
 * its image served to its owner only, the waiting queue (paused, listed in queue order, resumed), the caps per
 * role, the backends' in-flight counts, a sweep and the metrics read from the ledger. Needs
 * ATELIER_TEST_DATABASE_URL.
 */
describe('jobs on Postgres', () => {
  let database: ScratchDatabase;
  let harness: ComfyHarness;
  let app: TestApp;
  let user: TestSession;
  let admin: TestSession;

  beforeAll(async () => {
    database = await createScratchDatabase('atelier_jobs');
    harness = await startComfyHarness({
      sim: { stepMs: 2, models: { checkpoints: ['fake-model.safetensors'] } },
      env: { ATELIER_DATABASE_URL: database.url, ATELIER_METRICS_TOKEN: metricsToken },
    });
    app = harness.app;
    user = await app.login('user', 'pg-painter');
    admin = await app.login('admin');
  }, 120_000);

  afterAll(async () => {
    await harness?.close();
    await database?.drop();
  });

  function txt2img(session: TestSession, caption: string) {
    return app.request
      .post('/api/comfy/txt2img')
      .set(session.bearer)
      .send({ caption, ...small });
  }

  function finished(promptId: string, session = user): Promise<ComfyStatusResponse> {
    return waitFor(
      async () =>
        (await app.request.get(`/api/comfy/status/${promptId}`).set(session.bearer).expect(200))
          .body as ComfyStatusResponse,
      (status) => status.status === 'succeeded',
    );
  }

  async function jobs(session: TestSession, query = ''): Promise<JobListResponse> {
    return (await app.request.get(`/api/comfy/jobs${query}`).set(session.bearer).expect(200))
      .body as JobListResponse;
  }

  it('runs on the Postgres adapter', () => {
    expect(app.nest.get(Sql).dialect).toBe('postgres');
  });

  it('queues a txt2img job, runs it, lists it with its times, and serves its image to its owner only', async () => {
    const queued = (await txt2img(user, 'a red fox').expect(201)).body as Txt2ImgResponse;
    const done = await finished(queued.prompt_id);
    expect(done.images).toHaveLength(1);

    // The status comes from the tracker as the job ends; the list from the ledger, once its write landed.
    const listed = await waitFor(
      () => jobs(user),
      (list) => list.items[0]?.finished_at != null,
    );
    expect(listed.items).toHaveLength(1);
    const [job] = listed.items;
    expect(job).toMatchObject({
      prompt_id: queued.prompt_id,
      kind: 'txt2img',
      status: 'succeeded',
      owner: { username: 'pg-painter' },
      params: { caption: 'a red fox', seed: queued.seed },
      waiting_position: null,
    });
    // Datetimes read back from timestamptz columns, in order.
    const created = Date.parse(job?.created_at ?? '');
    const ended = Date.parse(job?.finished_at ?? '');
    expect(created).toBeGreaterThan(Date.now() - 600_000);
    expect(ended).toBeGreaterThanOrEqual(created);
    expect(job?.images).toEqual(done.images);

    // The ownership rows written ON CONFLICT DO NOTHING (the image is recorded more than once as the job ends).
    const image = done.images?.[0] as ComfyImageRef;
    const ref = { filename: image.filename, subfolder: image.subfolder, type: image.type };
    const served = await app.request.get('/api/comfy/view').query(ref).set(user.bearer);
    expect(served.status).toBe(200);
    expect(served.headers['content-type']).toMatch(/^image\//);
    const stranger = await app.login('user', 'pg-stranger');
    const refused = await app.request.get('/api/comfy/view').query(ref).set(stranger.bearer);
    expect(refused.status).toBe(404);
    expect((await jobs(stranger)).items).toHaveLength(0);
  });

  it('keeps a paused owner’s jobs waiting in queue order, shows them to the admin, and runs them once resumed', async () => {
    await app.request.post('/api/comfy/queue/pause').set(user.bearer).expect(200);
    const first = (await txt2img(user, 'first in line').expect(201)).body as Txt2ImgResponse;
    const second = (await txt2img(user, 'second in line').expect(201)).body as Txt2ImgResponse;

    const state = (await app.request.get('/api/comfy/queue').set(user.bearer).expect(200))
      .body as QueueStateResponse;
    expect(state).toMatchObject({ paused: true, waiting: 2, running: 0 });
    // The admin's view of the queue: every owner's waiting jobs, in the order they will run.
    const waiting = await jobs(admin, '?status=waiting');
    expect(waiting.items.map((job) => [job.prompt_id, job.owner.username, job.waiting_position])).toEqual([
      [first.prompt_id, 'pg-painter', 1],
      [second.prompt_id, 'pg-painter', 2],
    ]);
    // Moving the second to the top changes the order the list reports.
    await app.request
      .patch(`/api/comfy/jobs/${second.prompt_id}`)
      .set(user.bearer)
      .send({ position: 'top' })
      .expect(200);
    expect((await jobs(admin, '?status=waiting')).items.map((job) => job.prompt_id)).toEqual([
      second.prompt_id,
      first.prompt_id,
    ]);

    await app.request.post('/api/comfy/queue/resume').set(user.bearer).expect(200);
    await finished(first.prompt_id);
    await finished(second.prompt_id);
    const after = (await app.request.get('/api/comfy/queue').set(user.bearer).expect(200))
      .body as QueueStateResponse;
    expect(after).toMatchObject({ paused: false, waiting: 0, running: 0 });
    // The admin sees everyone's jobs, newest first (keyset paging by id).
    const page = await jobs(admin, '?limit=2');
    expect(page.items.map((job) => job.prompt_id)).toEqual([second.prompt_id, first.prompt_id]);
    expect(page.next_cursor).not.toBeNull();
    const rest = await jobs(admin, `?limit=2&cursor=${encodeURIComponent(page.next_cursor ?? '')}`);
    expect(rest.items).toHaveLength(1);
  });

  it('cancels a waiting job, queues it again linked to it, and answers a repeated Idempotency-Key with the same job', async () => {
    await app.request.post('/api/comfy/queue/pause').set(user.bearer).expect(200);
    const first = (await txt2img(user, 'to be cancelled').expect(201)).body as Txt2ImgResponse;
    const cancelled = await app.request
      .post(`/api/comfy/cancel/${first.prompt_id}`)
      .set(user.bearer)
      .expect(200);
    expect(cancelled.body).toMatchObject({ prompt_id: first.prompt_id, status: 'interrupted' });
    await app.request.post('/api/comfy/queue/resume').set(user.bearer).expect(200);

    const retried = await app.request
      .post(`/api/comfy/jobs/${first.prompt_id}/retry`)
      .set(user.bearer)
      .expect(201);
    const retryId = (retried.body as { prompt_id: string }).prompt_id;
    await finished(retryId);
    const listed = await waitFor(
      () => jobs(user, '?limit=5'),
      (list) => list.items.some((job) => job.prompt_id === retryId && job.finished_at !== null),
    );
    expect(listed.items.find((job) => job.prompt_id === retryId)).toMatchObject({
      retry_of: first.prompt_id,
      status: 'succeeded',
    });
    expect(listed.items.find((job) => job.prompt_id === first.prompt_id)).toMatchObject({
      status: 'interrupted',
      retry_of: null,
    });

    // The (owner, key) unique index on Postgres: the same request again is the same job, not a second one.
    const keyed = () =>
      app.request
        .post('/api/comfy/txt2img')
        .set(user.bearer)
        .set('Idempotency-Key', 'pg-once')
        .send({ caption: 'once', ...small, seed: 7 });
    const once = (await keyed().expect(201)).body as Txt2ImgResponse;
    const again = await keyed();
    expect(again.status).toBeLessThan(300);
    expect((again.body as Txt2ImgResponse).prompt_id).toBe(once.prompt_id);
    await finished(once.prompt_id);
  });

  it("refuses a job past the role's waiting cap, counted from the ledger", async () => {
    await app.request.put('/api/admin/limits/user').set(admin.bearer).send({ max_waiting: 1 }).expect(200);
    try {
      await app.request.post('/api/comfy/queue/pause').set(user.bearer).expect(200);
      const held = (await txt2img(user, 'held').expect(201)).body as Txt2ImgResponse;
      const refused = await txt2img(user, 'one too many');
      expect(refused.status).toBe(429);
      expect(refused.body).toMatchObject({ code: 'comfy.queue_full', details: { current: 1, limit: 1 } });
      await app.request.post('/api/comfy/queue/resume').set(user.bearer).expect(200);
      await finished(held.prompt_id);
    } finally {
      await app.request
        .put('/api/admin/limits/user')
        .set(admin.bearer)
        .send({ max_waiting: null })
        .expect(200);
    }
  });

  it('counts no job in flight on the backend once everything ended, in the admin list and the health view', async () => {
    const backends = (await app.request.get('/api/admin/backends').set(admin.bearer).expect(200))
      .body as BackendListResponse;
    expect(backends.items).toHaveLength(1);
    expect(backends.items[0]).toMatchObject({ is_default: true, in_flight: 0 });
    const health = await app.request.get('/api/comfy/health').set(user.bearer).expect(200);
    expect(health.body).toMatchObject({ enabled: true, backends: [{ is_default: true, in_flight: 0 }] });
  });

  it('fills a sweep’s grid from the ledger as its jobs finish', async () => {
    const created = (
      await app.request
        .post('/api/comfy/sweeps')
        .set(user.bearer)
        .send({
          base: { kind: 'txt2img', params: { caption: 'a grid', ...small } },
          axes: [{ param: 'cfg', values: [3, 6] }],
        })
        .expect(201)
    ).body as SweepCreateResponse;
    expect(created.job_ids).toHaveLength(2);
    const done = await waitFor(
      async () =>
        (await app.request.get(`/api/comfy/sweeps/${created.sweep_id}`).set(user.bearer).expect(200))
          .body as SweepResponse,
      (sweep) => sweep.cells.every((cell) => cell.status === 'succeeded'),
    );
    expect(done.cells.map((cell) => [cell.x, cell.prompt_id, cell.images.length])).toEqual([
      [0, created.job_ids[0], 1],
      [1, created.job_ids[1], 1],
    ]);
    await app.request.get(`/api/comfy/sweeps/${created.sweep_id}`).set(admin.bearer).expect(200);
  });

  it('serves the metrics read from the ledger', async () => {
    const response = await app.request
      .get('/metrics')
      .set('Authorization', `Bearer ${metricsToken}`)
      .expect(200);
    expect(response.text).toMatch(/^atelier_jobs\{state="waiting"\} 0$/m);
    expect(response.text).toMatch(/^atelier_backend_in_flight\{backend="[^"]+"\} 0$/m);
  });
});
