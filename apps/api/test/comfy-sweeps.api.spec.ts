import type {
  ComfyStatusResponse,
  JobListResponse,
  SweepCreateResponse,
  SweepRequest,
  SweepResponse,
} from '@atelier/contract';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../src/common/app-error.js';
import { AdmissionRegistry } from '../src/comfy/queue-admission.js';
import { startComfyHarness, waitFor, type ComfyHarness } from './comfy-kit.js';
import type { TestApp, TestSession } from './test-app.js';

const repoConfig = fileURLToPath(new URL('../../../config', import.meta.url));
let harness: ComfyHarness;
let app: TestApp;
let user: TestSession;

beforeEach(async () => {
  // The shipped library, for the template sweep.
  harness = await startComfyHarness({ sim: { stepMs: 2 }, env: { ATELIER_CONFIG_DIR: repoConfig } });
  app = harness.app;
  user = await app.login('user');
});

afterEach(async () => {
  await harness.close();
});

const samplers = ['euler', 'euler_ancestral', 'dpmpp_2m'];
const twoByThree: SweepRequest = {
  base: { kind: 'txt2img', params: { caption: 'a red fox', width: 64, height: 64, steps: 2 } },
  axes: [
    { param: 'cfg', values: [3, 6] },
    { param: 'sampler', values: samplers },
  ],
};

function createSweep(body: unknown, session = user, key?: string) {
  const call = app.request.post('/api/comfy/sweeps').set(session.bearer);
  if (key) call.set('Idempotency-Key', key);
  return call.send(body as object);
}

async function getSweep(id: string, session = user): Promise<SweepResponse> {
  return (await app.request.get(`/api/comfy/sweeps/${id}`).set(session.bearer).expect(200))
    .body as SweepResponse;
}

async function myJobs(session = user): Promise<JobListResponse['items']> {
  return (
    (await app.request.get('/api/comfy/jobs?limit=100').set(session.bearer).expect(200))
      .body as JobListResponse
  ).items;
}

const isDone = (sweep: SweepResponse) => sweep.cells.every((cell) => cell.status === 'succeeded');

describe('POST /api/comfy/sweeps', () => {
  it('queues one job per cell with its axes’ values and one shared seed; the grid fills as they finish', async () => {
    const created = (await createSweep(twoByThree).expect(201)).body as SweepCreateResponse;
    expect(created.job_ids).toHaveLength(6);
    expect(new Set(created.job_ids).size).toBe(6);

    const first = await getSweep(created.sweep_id);
    expect(first.shape).toEqual([2, 3, 1]);
    expect(first.axes.map((axis) => [axis.title, axis.labels])).toEqual([
      ['CFG', ['3', '6']],
      ['Sampler', samplers],
    ]);
    expect(first.cells.map((cell) => cell.prompt_id)).toEqual(created.job_ids);
    const seeds = new Set<unknown>();
    for (const cell of first.cells) {
      expect(cell.params, `${cell.x},${cell.y}`).toMatchObject({
        caption: 'a red fox',
        cfg: [3, 6][cell.x],
        sampler: samplers[cell.y],
      });
      seeds.add(cell.params?.seed);
    }
    expect(seeds.size).toBe(1);

    // What the grid says of a cell is what the job's own status says (the grid is read from the ledger).
    const done = await waitFor(() => getSweep(created.sweep_id), isDone);
    for (const cell of done.cells) {
      expect(cell.images.length, `${cell.x},${cell.y}`).toBe(1);
      const status = (
        await app.request.get(`/api/comfy/status/${cell.prompt_id}`).set(user.bearer).expect(200)
      ).body as ComfyStatusResponse;
      expect(status).toMatchObject({ status: 'succeeded', images: cell.images });
    }
    const jobs = await myJobs();
    expect(jobs).toHaveLength(6);
    const byId = new Map(jobs.map((job) => [job.prompt_id, job]));
    for (const cell of done.cells) {
      expect(byId.get(cell.prompt_id)?.params).toMatchObject({
        cfg: [3, 6][cell.x],
        sampler: samplers[cell.y],
      });
    }
  });

  it("sweeps a workflow template's parameters, prompt search/replace included", async () => {
    const created = (
      await createSweep({
        base: {
          kind: 'template',
          name: 'basic_txt2img',
          params: { prompt: 'a cat on a roof', width: 64, height: 64 },
        },
        axes: [
          { param: 'steps', values: [1, 2] },
          { param: 'prompt', search: 'cat', values: ['dog', 'owl'] },
        ],
      }).expect(201)
    ).body as SweepCreateResponse;
    const done = await waitFor(() => getSweep(created.sweep_id), isDone);
    expect(done.axes[1]).toMatchObject({ title: 'Prompt "cat"', labels: ['dog', 'owl'] });
    for (const cell of done.cells) {
      expect(cell.params, `${cell.x},${cell.y}`).toMatchObject({
        template: 'basic_txt2img',
        values: { steps: [1, 2][cell.x], prompt: `a ${['dog', 'owl'][cell.y]} on a roof` },
      });
    }
    const unknown = await createSweep({
      base: { kind: 'template', name: 'no_such_workflow', params: {} },
      axes: [{ param: 'steps', values: [1] }],
    }).expect(400);
    expect(Object.keys((unknown.body as { details: object }).details)).toContain('base.name');
    const lora = await createSweep({
      base: { kind: 'template', name: 'basic_txt2img', params: { prompt: 'x' } },
      axes: [{ param: 'lora_weight', lora: 'a.safetensors', values: [1] }],
    }).expect(400);
    expect(Object.keys((lora.body as { details: object }).details)).toContain('axes.0.param');
  });

  it('refuses more than 256 jobs and bad axes with 400 naming them, queueing nothing', async () => {
    const tooMany = await createSweep({
      base: twoByThree.base,
      axes: [
        { param: 'seed', from: 1, count: 16 },
        { param: 'steps', values: Array.from({ length: 16 }, (_, i) => i + 1) },
        { param: 'cfg', values: [3, 4] },
      ],
    }).expect(400);
    expect(tooMany.body).toMatchObject({
      code: 'comfy.limit_exceeded',
      details: { cap: 'sweep_jobs', limit: 256, value: 512 },
    });
    const badValue = await createSweep({ ...twoByThree, axes: [{ param: 'cfg', values: [3, 25] }] }).expect(
      400,
    );
    expect(badValue.body).toMatchObject({
      code: 'validation_failed',
      details: { 'axes.0.values': expect.any(Array) },
    });
    // Only the server knows this one: the cell that would use it is refused, named by its axis.
    const unknownSampler = await createSweep({
      ...twoByThree,
      axes: [
        { param: 'cfg', values: [3] },
        { param: 'sampler', values: ['euler', 'warp_drive'] },
      ],
    }).expect(400);
    expect(unknownSampler.body).toMatchObject({
      code: 'validation_failed',
      details: { 'axes.1.values': expect.any(Array) },
    });
    expect((unknownSampler.body as { message: string }).message).toContain('(0, 1, 0)');
    const unknownParam = await createSweep({
      ...twoByThree,
      axes: [{ param: 'denoise', values: [1] }],
    }).expect(400);
    expect(Object.keys((unknownParam.body as { details: object }).details)).toContain('axes.0.param');
    const badBase = await createSweep({
      ...twoByThree,
      base: { kind: 'txt2img', params: { caption: '' } },
    }).expect(400);
    expect(Object.keys((badBase.body as { details: object }).details)).toContain('base.params.caption');
    await createSweep({ base: twoByThree.base, axes: [] }).expect(400);
    expect(await myJobs()).toHaveLength(0);
  });

  it('asks the caps once for all its jobs and is refused whole', async () => {
    const asked: number[] = [];
    let limit = 5;
    app.nest.get(AdmissionRegistry).use({
      assertMayEnqueue: (_owner, adding) => {
        asked.push(adding);
        if (adding > limit) {
          throw new AppError('comfy.queue_full', 'Too many waiting jobs', {
            cap: 'max_waiting',
            limit,
            value: adding,
          });
        }
      },
      shareOf: () => ({ weight: 1, maxRunning: null, held: false }),
    });
    const refused = await createSweep(twoByThree, user, 'caps-1').expect(429);
    expect(refused.body).toMatchObject({ code: 'comfy.queue_full', details: { cap: 'max_waiting' } });
    expect(asked[0]).toBe(6);
    expect(await myJobs()).toHaveLength(0);
    // A refused sweep left nothing behind: the same key later queues it afresh.
    limit = 6;
    const created = (await createSweep(twoByThree, user, 'caps-1').expect(201)).body as SweepCreateResponse;
    expect(created.job_ids).toHaveLength(6);
    expect(await myJobs()).toHaveLength(6);
  });

  it('honours Idempotency-Key: the same request returns the same sweep, another body is a conflict', async () => {
    const first = (await createSweep(twoByThree, user, 'sweep-1').expect(201)).body as SweepCreateResponse;
    const again = (await createSweep(twoByThree, user, 'sweep-1').expect(201)).body as SweepCreateResponse;
    expect(again).toEqual(first);
    expect(await myJobs()).toHaveLength(6);
    const other = { ...twoByThree, axes: [{ param: 'cfg', values: [9] }] };
    await createSweep(other, user, 'sweep-1').expect(409);
  });
});

describe('GET /api/comfy/sweeps/:id', () => {
  it('shows a sweep to its owner and admins only', async () => {
    const created = (await createSweep(twoByThree).expect(201)).body as SweepCreateResponse;
    const other = await app.login('user', 'someone-else');
    const curator = await app.login('curator');
    for (const session of [other, curator]) {
      await app.request.get(`/api/comfy/sweeps/${created.sweep_id}`).set(session.bearer).expect(404);
      await app.request
        .get(`/api/comfy/sweeps/${created.sweep_id}/contact-sheet.png`)
        .set(session.bearer)
        .expect(404);
    }
    const admin = await app.login('admin');
    expect((await getSweep(created.sweep_id, admin)).owner.username).toBe(user.user.username);
    await app.request.get('/api/comfy/sweeps/not-a-sweep').set(user.bearer).expect(404);
    await app.request.get(`/api/comfy/sweeps/${crypto.randomUUID()}`).set(user.bearer).expect(404);
  });
});

describe('GET /api/comfy/sweeps/:id/contact-sheet.png', () => {
  it('is one labelled PNG of the page: cells of 160 px, labels drawn without fonts', async () => {
    const created = (await createSweep(twoByThree).expect(201)).body as SweepCreateResponse;
    await waitFor(() => getSweep(created.sweep_id), isDone);
    const response = await app.request
      .get(`/api/comfy/sweeps/${created.sweep_id}/contact-sheet.png`)
      .set(user.bearer)
      .buffer(true)
      .parse((res, done) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => done(null, Buffer.concat(chunks)));
      })
      .expect(200)
      .expect('Content-Type', 'image/png');
    const png = response.body as Buffer;
    // 172 of row labels + 2 cells of 160 with 4 between + 8; 56 of title and column labels + 3 rows + 8.
    const { width, height, format } = await sharp(png).metadata();
    expect({ width, height, format }).toEqual({
      width: 172 + 2 * 160 + 4 + 8,
      height: 56 + 3 * 160 + 2 * 4 + 8,
      format: 'png',
    });
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const lit = (x0: number, y0: number, x1: number, y1: number) => {
      let count = 0;
      for (let y = y0; y < y1; y++) {
        for (let x = x0; x < x1; x++) if ((data[(y * info.width + x) * 3] ?? 0) > 200) count++;
      }
      return count;
    };
    // The labels are there as pixels, whatever fonts the machine has: title, column labels, row labels.
    expect(lit(0, 0, info.width, 28)).toBeGreaterThan(50);
    expect(lit(172, 28, info.width, 56)).toBeGreaterThan(20);
    expect(lit(0, 56, 172, info.height)).toBeGreaterThan(50);
    // No label outside its band: the gap between two cells stays background.
    expect(lit(172 + 160, 56, 172 + 164, info.height)).toBe(0);

    await app.request
      .get(`/api/comfy/sweeps/${created.sweep_id}/contact-sheet.png?z=1`)
      .set(user.bearer)
      .expect(400);
    await app.request
      .get(`/api/comfy/sweeps/${created.sweep_id}/contact-sheet.png?z=x`)
      .set(user.bearer)
      .expect(400);
  });
});
