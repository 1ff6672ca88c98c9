import { startComfySim, type ComfySim } from '@atelier/comfy-sim';
import type {
  BackendView,
  ComfyUploadResponse,
  JobListResponse,
  JobSummary,
  KeepResponse,
} from '@atelier/contract';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import {
  quickWorkflow,
  samplerWorkflow,
  simJson,
  startComfyHarness,
  usersQueueGraphs,
  waitFor,
  type ComfyHarness,
} from './comfy-kit.js';
import { addBackend as postBackend, listBackends } from './comfy-pool-kit.js';
import { testAdmin, type TestApp, type TestSession } from './test-app.js';

/**
 * Issue 13, "a pool of ComfyUI servers", with real simulators: each backend has its own wiring, health and
 * object_info; jobs go where they can run, a dead backend's jobs are lost and retried elsewhere, a draining one
 * finishes what it holds and takes nothing new, and images are fetched from the server that made them.
 */
describe('a pool of ComfyUI servers', () => {
  let harness: ComfyHarness;
  let app: TestApp;
  let admin: TestSession;
  let user: TestSession;
  const extra: ComfySim[] = [];

  async function start(env: Record<string, string> = {}): Promise<void> {
    harness = await startComfyHarness({ env: { ...usersQueueGraphs, ...env } });
    app = harness.app;
    admin = await app.loginAs(testAdmin.username, testAdmin.password);
    user = await app.login('user');
  }

  afterEach(async () => {
    await harness.close();
    for (const sim of extra.splice(0)) await sim.close();
  });

  const backends = (): Promise<BackendView[]> => listBackends(app, admin);
  const backendView = async (id: number) => (await backends()).find((backend) => backend.id === id);
  /** Up, warmed and with its object_info known (routing reads it). */
  const ready = (id: number) =>
    waitFor(
      () => backendView(id),
      (view) => view?.state === 'up' && view.object_info_at !== null,
    );
  const patchBackend = (id: number, body: object) =>
    app.request.patch(`/api/admin/backends/${id}`).set(admin.bearer).send(body);

  async function addBackend(
    options: Parameters<typeof startComfySim>[0] = {},
  ): Promise<{ sim: ComfySim; id: number }> {
    const sim = await startComfySim({ port: 0, stepMs: 10, ...options });
    extra.push(sim);
    const { id } = await postBackend(app, admin, `gpu-${extra.length + 1}`, sim.url);
    await ready(id);
    return { sim, id };
  }

  const submit = async (workflow: Record<string, unknown>, session = user): Promise<string> =>
    (
      (await app.request.post('/api/comfy/queue').set(session.bearer).send({ workflow }).expect(201))
        .body as {
        prompt_id: string;
      }
    ).prompt_id;
  const jobs = async (session = user): Promise<JobSummary[]> =>
    (
      (await app.request.get('/api/comfy/jobs?limit=100').set(session.bearer).expect(200))
        .body as JobListResponse
    ).items;
  const job = async (promptId: string, session = user) =>
    (await jobs(session)).find((item) => item.prompt_id === promptId);
  const settled = (promptId: string, status = 'succeeded', session = user) =>
    waitFor(
      () => job(promptId, session),
      (item) => item?.status === status,
      { timeoutMs: 15_000 },
    );
  /**
   * The default backend and a second one (20 ms steps); the default drains, so only the second takes jobs for
   * now; a job of `steps` sampler steps is submitted and running when it returns. Undrain the default to use it.
   */
  async function runningOnSecond(steps: number, env: Record<string, string> = {}) {
    await start(env);
    await ready(1);
    const second = await addBackend({ stepMs: 20 });
    await patchBackend(1, { draining: true }).expect(200);
    const promptId = await submit(samplerWorkflow(steps));
    await waitFor(
      () => job(promptId),
      (item) => item?.status === 'running',
    );
    return { second, promptId };
  }
  const history = async (sim: ComfySim) => (await simJson(sim, '/history')) as Record<string, unknown>;

  it('sends jobs to both backends, each followed on its own server', async () => {
    await start();
    await ready(1);
    const second = await addBackend();
    const ids = [];
    for (let i = 0; i < 4; i++) ids.push(await submit(samplerWorkflow(20, `job ${i}`)));
    const done = await Promise.all(ids.map((id) => settled(id)));

    const byBackend = new Map<number, string[]>();
    for (const item of done) {
      const backendId = item?.backend?.id ?? 0;
      byBackend.set(backendId, [...(byBackend.get(backendId) ?? []), item?.prompt_id ?? '']);
    }
    expect([...byBackend.keys()].sort()).toEqual([1, second.id]);
    expect(done.find((item) => item?.backend?.id === second.id)?.backend?.name).toBe('gpu-2');
    // Each ran where the ledger says, and only there.
    const onFirst = Object.keys(await history(harness.sim));
    const onSecond = Object.keys(await history(second.sim));
    expect(onFirst.sort()).toEqual([...(byBackend.get(1) ?? [])].sort());
    expect(onSecond.sort()).toEqual([...(byBackend.get(second.id) ?? [])].sort());
  });

  it('routes a graph only to backends whose object_info has its node classes', async () => {
    await start();
    await ready(1);
    const full = (await simJson(harness.sim, '/object_info')) as Record<string, unknown>;
    const { ImageInvert: _dropped, ...withoutInvert } = full;
    const second = await addBackend({ objectInfo: withoutInvert });

    const inverted = () => ({
      '1': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: 0 } },
      '2': { class_type: 'ImageInvert', inputs: { image: ['1', 0] } },
      '3': { class_type: 'SaveImage', inputs: { images: ['2', 0], filename_prefix: 'atelier/inverted' } },
    });
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push(await submit(inverted()));
    // An ordinary graph may still run on the second one.
    const plain = await submit(samplerWorkflow(30));
    for (const id of ids) expect((await settled(id))?.backend?.id).toBe(1);
    await settled(plain);
    const onSecond = Object.keys(await history(second.sim));
    for (const id of ids) expect(onSecond).not.toContain(id);
  });

  it('takes a checkpoint only one backend has (the pool’s catalogue) and runs the job there', async () => {
    await start();
    await ready(1);
    const second = await addBackend({ models: { checkpoints: ['only_here.safetensors'] } });
    const catalogue = (await app.request.get('/api/comfy/object-info').set(user.bearer).expect(200)).body as {
      object_info: Record<string, { input: { required: { ckpt_name: [string[]] } } }>;
    };
    const names = catalogue.object_info.CheckpointLoaderSimple?.input.required.ckpt_name[0];
    expect(names).toEqual(expect.arrayContaining(['sd_xl_base_1.0.safetensors', 'only_here.safetensors']));

    const queued = await app.request.post('/api/comfy/txt2img').set(user.bearer).send({
      caption: 'a lighthouse',
      width: 64,
      height: 64,
      steps: 2,
      checkpoint: 'only_here.safetensors',
    });
    expect(queued.status, JSON.stringify(queued.body)).toBe(201);
    const done = await settled((queued.body as { prompt_id: string }).prompt_id);
    expect(done?.backend?.id).toBe(second.id);
    // A model no backend has is still refused by name.
    const unknown = await app.request
      .post('/api/comfy/txt2img')
      .set(user.bearer)
      .send({ caption: 'x', width: 64, height: 64, steps: 2, checkpoint: 'nowhere.safetensors' });
    expect(unknown.status).toBe(400);
  });

  it('marks the jobs of a backend that died lost, and retries them once on another', async () => {
    const { second, promptId: doomed } = await runningOnSecond(150, { COMFY_BACKEND_LOST_AFTER_S: '1' });
    expect((await job(doomed))?.backend?.id).toBe(second.id);
    await patchBackend(1, { draining: false }).expect(200);

    await second.sim.goDown();
    const lost = await settled(doomed, 'lost');
    expect(lost?.error).toMatchObject({ code: 'comfy.job_lost' });
    const retry = await waitFor(
      async () => (await jobs()).find((item) => item.retry_of === doomed),
      (item) => item?.status === 'succeeded',
      { timeoutMs: 30_000 },
    );
    expect(retry?.backend?.id).toBe(1);
    expect(Object.keys(await history(harness.sim))).toContain(retry?.prompt_id);
    expect((await backendView(second.id))?.state).toBe('down');
  });

  it('lets a draining backend finish its running job while it takes nothing new, and keeps it while busy', async () => {
    const { second, promptId: running } = await runningOnSecond(100);
    expect((await job(running))?.backend?.id).toBe(second.id);

    // Busy: it cannot be removed or pointed elsewhere.
    const removed = await app.request.delete(`/api/admin/backends/${second.id}`).set(admin.bearer);
    expect(removed.status).toBe(409);
    expect(removed.body).toMatchObject({
      code: 'conflict',
      details: { backend_id: second.id, in_flight: 1 },
    });
    await patchBackend(second.id, { url: harness.sim.url }).expect(409);

    await patchBackend(second.id, { draining: true }).expect(200);
    await patchBackend(1, { draining: false }).expect(200);
    const later = [await submit(quickWorkflow()), await submit(quickWorkflow())];
    for (const id of later) expect((await settled(id))?.backend?.id).toBe(1);
    const finished = await settled(running);
    expect(finished?.backend?.id).toBe(second.id);
    expect(Object.keys(await history(second.sim))).toEqual([running]);
    expect((await backendView(second.id))?.in_flight).toBe(0);
    await app.request.delete(`/api/admin/backends/${second.id}`).set(admin.bearer).expect(204);
  });

  it('keeps a disabled backend wired until its running job has finished, then unwires it', async () => {
    const { second, promptId: running } = await runningOnSecond(60);
    const disabled = await patchBackend(second.id, { enabled: false }).expect(200);
    expect(disabled.body).toMatchObject({ enabled: false, in_flight: 1, effective_url: second.sim.url });
    expect((await settled(running))?.backend?.id).toBe(second.id);
    await waitFor(
      () => backendView(second.id),
      (view) => view?.state === 'disabled' && view.effective_url === null,
    );
    // Nothing new reaches it.
    await patchBackend(1, { draining: false }).expect(200);
    expect((await settled(await submit(quickWorkflow())))?.backend?.id).toBe(1);
    expect(Object.keys(await history(second.sim))).toEqual([running]);
  });

  it('serves and keeps images from the backend that made them, though another has files of the same name', async () => {
    await start();
    await ready(1);
    const white = (prefix: string) => ({
      '1': { class_type: 'EmptyImage', inputs: { width: 64, height: 64, batch_size: 1, color: 0xffffff } },
      '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: prefix } },
    });
    // The default backend makes atelier/same_00001_.png in black…
    const onFirst = await submit(quickWorkflow('atelier/same'));
    const first = await settled(onFirst);
    const second = await addBackend();
    await patchBackend(1, { draining: true }).expect(200);
    // …and the second one the same name in white.
    const onSecond = await submit(white('atelier/same'));
    const made = await settled(onSecond);
    const [ref] = made?.images ?? [];
    expect(made?.backend?.id).toBe(second.id);
    expect(ref).toMatchObject({ filename: first?.images[0]?.filename, backend: second.id });
    expect(first?.images[0]?.backend).toBeUndefined();

    const view = (query: Record<string, string | number>, session = user) =>
      app.request.get('/api/comfy/view').query(query).set(session.bearer).buffer(true);
    const base = { filename: ref?.filename ?? '', subfolder: ref?.subfolder ?? '', type: 'output' };
    const fromSecond = await view({ ...base, backend: second.id }).expect(200);
    const fromFirst = await view(base).expect(200);
    expect(Buffer.compare(fromSecond.body as Buffer, fromFirst.body as Buffer)).not.toBe(0);
    // Someone else's image on that backend is as absent as any other.
    const other = await app.login('user', 'someone-else');
    await view({ ...base, backend: second.id }, other).expect(404);
    // A backend that is not there has no images; a malformed one is refused before anything is asked.
    await view({ ...base, backend: 999 }).expect(404);
    await view({ ...base, backend: '2x' }).expect(400);

    const kept = await app.request.post('/api/gallery/keep').set(user.bearer).send({ prompt_id: onSecond });
    expect(kept.status, JSON.stringify(kept.body)).toBe(200);
    const imageId = (kept.body as KeepResponse).items[0]?.image.id;
    const file = await app.request.get(`/api/gallery/images/${imageId}/file`).set(user.bearer).buffer(true);
    expect(file.status).toBe(200);
    expect(Buffer.compare(file.body as Buffer, fromSecond.body as Buffer)).toBe(0);
  });

  it('puts an uploaded input on the backend a job using it is sent to, from our own copy', async () => {
    await start();
    await ready(1);
    const bytes = await sharp({
      create: { width: 24, height: 16, channels: 3, background: { r: 10, g: 200, b: 30 } },
    })
      .png()
      .toBuffer();
    const uploaded = await app.request
      .post('/api/comfy/upload')
      .set(user.bearer)
      .attach('image', bytes, { filename: 'photo.png', contentType: 'image/png' })
      .expect(201);
    const { image, name, subfolder } = uploaded.body as ComfyUploadResponse;
    // The upload went to the default backend only; the second never saw it.
    const second = await addBackend();
    const onSecond = join(second.sim.dataDir, 'input', subfolder, name);
    expect(existsSync(onSecond)).toBe(false);

    await patchBackend(1, { draining: true }).expect(200);
    const loadImage = {
      '1': { class_type: 'LoadImage', inputs: { image } },
      '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'atelier/loaded' } },
    };
    const done = await settled(await submit(loadImage));
    expect(done?.backend?.id).toBe(second.id);
    expect(await readFile(onSecond)).toEqual(bytes);
    const [ref] = done?.images ?? [];
    const made = await app.request
      .get('/api/comfy/view')
      .query({ filename: ref?.filename, subfolder: ref?.subfolder, type: 'output', backend: second.id })
      .set(user.bearer)
      .buffer(true)
      .expect(200);
    expect(await sharp(made.body as Buffer).metadata()).toMatchObject({ width: 24, height: 16 });
  });

  it('runs the warm-up workflow on every backend as it connects and again when it comes back', async () => {
    await start({ COMFY_WARMUP_ON_CONNECT: 'true' });
    await ready(1);
    const warmups = async (sim: ComfySim) =>
      Object.values(
        (await simJson(sim, '/history')) as Record<
          string,
          { prompt: [number, string, Record<string, { class_type: string }>] }
        >,
      ).filter((entry) => Object.values(entry.prompt[2]).some((node) => node.class_type === 'PreviewImage'));
    expect(await warmups(harness.sim)).toHaveLength(1);
    const second = await addBackend();
    expect(await warmups(second.sim)).toHaveLength(1);

    // A restart (its history is gone with it): warmed again before it takes jobs.
    await second.sim.restart();
    await waitFor(
      () => warmups(second.sim),
      (found) => found.length === 1,
    );
    await ready(second.id);
    expect(await warmups(harness.sim)).toHaveLength(1);
  });
});
