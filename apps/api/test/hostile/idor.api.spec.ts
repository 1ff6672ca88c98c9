import type {
  ComfyImageRef,
  ComfyQueueResponse,
  ComfyStatusResponse,
  ComfyUploadResponse,
  ErrorCode,
  JobListResponse,
} from '@atelier/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quickWorkflow, samplerWorkflow, usersQueueGraphs, waitFor } from '../comfy-kit.js';
import { images } from '../gallery-fixtures.js';
import type { TestSession } from '../test-app.js';
import { expectRefusedUnchanged, startHostileHarness, type ComfyHarness } from './hostile-kit.js';

/**
 * Issue 10, hostile suite: the IDOR matrix. Another plain user reaches none of a user's jobs, images or uploads
 * through any per-resource route: the answer is the one for a resource that does not exist.
 */
let harness: ComfyHarness;
let owner: TestSession;
let other: TestSession;
let finished: string;
let running: string;
let output: ComfyImageRef;
let temp: ComfyImageRef;
let upload: ComfyUploadResponse;

async function queue(session: TestSession, workflow: Record<string, unknown>, key?: string) {
  let request = harness.app.request.post('/api/comfy/queue').set(session.bearer);
  if (key) request = request.set('Idempotency-Key', key);
  const response = await request.send({ workflow }).expect(201);
  return (response.body as ComfyQueueResponse).prompt_id;
}

beforeAll(async () => {
  harness = await startHostileHarness({ env: usersQueueGraphs, stepMs: 200 });
  const { app } = harness;
  owner = await app.login('user', 'owner');
  other = await app.login('user', 'other');
  const graph = quickWorkflow('atelier/owned');
  graph['3'] = { class_type: 'PreviewImage', inputs: { images: ['1', 0] } };
  finished = await queue(owner, graph, 'owner-key');
  const done = await waitFor(
    async () =>
      (await app.request.get(`/api/comfy/status/${finished}`).set(owner.bearer)).body as ComfyStatusResponse,
    (s) => s.status === 'succeeded',
  );
  output = done.images!.find((image) => image.type === 'output')!;
  temp = done.images!.find((image) => image.type === 'temp')!;
  upload = (
    await app.request
      .post('/api/comfy/upload')
      .set(owner.bearer)
      .attach('image', await images.png(), { filename: 'photo.png', contentType: 'image/png' })
      .expect(201)
  ).body as ComfyUploadResponse;
  // Long enough to stay running through the suite (150 steps × 200 ms: 30 s).
  running = await queue(owner, samplerWorkflow(150));
  await waitFor(
    async () =>
      (await app.request.get(`/api/comfy/status/${running}`).set(owner.bearer)).body as ComfyStatusResponse,
    (s) => s.status === 'running',
  );
});
afterAll(async () => {
  await harness.app.request.post(`/api/comfy/cancel/${running}`).set(owner.bearer);
  await harness.close();
});

const app = () => harness.app;
const loadImage = (image: string) => ({
  '1': { class_type: 'LoadImage', inputs: { image } },
  '2': { class_type: 'SaveImage', inputs: { images: ['1', 0], filename_prefix: 'atelier/stolen' } },
});
const annotated = (ref: ComfyImageRef) => `${ref.subfolder}/${ref.filename} [${ref.type}]`;

interface Case {
  name: string;
  send: () => PromiseLike<{ status: number; body: unknown; headers: Record<string, string> }>;
  status: number;
  code: ErrorCode;
}

const jobRoutes = [
  ['GET status', (id: string) => app().request.get(`/api/comfy/status/${id}`)],
  ['GET history', (id: string) => app().request.get(`/api/comfy/history/${id}`)],
  ['POST cancel', (id: string) => app().request.post(`/api/comfy/cancel/${id}`)],
  ['GET stream', (id: string) => app().request.get(`/api/comfy/stream/${id}`)],
] as const;

const cases: Case[] = [
  ...jobRoutes.flatMap(([route, request]) =>
    (
      [
        ['finished', () => finished],
        ['running', () => running],
      ] as const
    ).map(([state, id]) => ({
      name: `${route} of another user's ${state} job`,
      send: () => request(id()).set(other.bearer),
      status: 404,
      code: 'comfy.job_not_found' as const,
    })),
  ),
  ...(
    [
      ['output', () => output],
      ['preview (temp)', () => temp],
      [
        'uploaded input',
        () => ({ filename: upload.name, subfolder: upload.subfolder, type: 'input' as const }),
      ],
    ] as const
  ).flatMap(([kind, ref]) => [
    {
      name: `GET /view of another user's ${kind}`,
      send: () =>
        app()
          .request.get('/api/comfy/view')
          .query({ ...ref() })
          .set(other.bearer),
      status: 404,
      code: 'not_found' as const,
    },
    {
      name: `POST /queue naming another user's ${kind} as LoadImage input`,
      send: () =>
        app()
          .request.post('/api/comfy/queue')
          .set(other.bearer)
          .send({ workflow: loadImage(ref().type === 'input' ? upload.image : annotated(ref())) }),
      status: 400,
      code: 'validation_failed' as const,
    },
  ]),
  ...(['image', 'mask'] as const).map((field) => ({
    name: `POST /txt2img naming another user's upload as ${field}`,
    send: () =>
      app()
        .request.post('/api/comfy/txt2img')
        .set(other.bearer)
        .send({ caption: 'x', steps: 1, [field]: upload.image }),
    status: 400,
    code: 'validation_failed' as const,
  })),
  {
    name: "POST /ingest/from-job of another user's job (plain users keep nothing)",
    send: () =>
      app().request.post('/api/comfy/ingest/from-job').set(other.bearer).send({ prompt_id: finished }),
    status: 403,
    code: 'auth.forbidden',
  },
  {
    name: "PATCH another user's account",
    send: () =>
      app().request.patch(`/api/admin/users/${owner.user.id}`).set(other.bearer).send({ disabled: true }),
    status: 403,
    code: 'auth.forbidden',
  },
  {
    name: "POST a new password for another user's account",
    send: () =>
      app()
        .request.post(`/api/admin/users/${owner.user.id}/password`)
        .set(other.bearer)
        .send({ password: 'a-password-of-my-choosing' }),
    status: 403,
    code: 'auth.forbidden',
  },
];

describe('IDOR matrix', () => {
  it.each(cases)('$name → $status $code', async ({ send, status, code }) => {
    await expectRefusedUnchanged(harness, send, status, code);
  });

  it("another user's job list holds none of the owner's jobs, whatever the filter", async () => {
    const own = await app().request.get('/api/comfy/jobs').set(owner.bearer).expect(200);
    expect((own.body as JobListResponse).items.map((job) => job.prompt_id)).toContain(finished);
    for (const query of [
      {},
      { mine: 'false' },
      { mine: '0' },
      { status: 'running' },
      { status: 'succeeded' },
    ]) {
      const list = await app().request.get('/api/comfy/jobs').query(query).set(other.bearer).expect(200);
      const ids = (list.body as JobListResponse).items.map((job) => job.prompt_id);
      expect(ids, JSON.stringify(query)).not.toContain(finished);
      expect(ids, JSON.stringify(query)).not.toContain(running);
    }
  });

  it("reusing another user's Idempotency-Key never answers with their job", async () => {
    const mine = await queue(other, quickWorkflow('atelier/other'), 'owner-key');
    expect(mine).not.toBe(finished);
    const status = await app().request.get(`/api/comfy/status/${mine}`).set(other.bearer);
    expect(status.status).toBe(200);
  });
});
