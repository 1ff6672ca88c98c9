import type { ComfyStatusResponse, KeepResponse } from '@atelier/contract';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startComfyHarness, waitFor, type ComfyHarness } from './comfy-kit.js';
import type { TestApp, TestSession } from './test-app.js';

/**
 * Workflow downloads: GET /api/comfy/jobs/:promptId/workflow and GET /api/gallery/images/:id/workflow, as the API
 * prompt that ran or as a UI workflow for ComfyUI (the one queued when kept, else rebuilt), for whoever may see the
 * job or image.
 */
const golden = JSON.parse(
  readFileSync(
    fileURLToPath(
      new URL(
        '../../../packages/workflow/test/recordings/workflow-to-prompt/01_default_workflow.json',
        import.meta.url,
      ),
    ),
    'utf8',
  ),
) as { workflow: Record<string, unknown>; output: Record<string, unknown> };

let harness: ComfyHarness;
let app: TestApp;
let owner: TestSession;
let other: TestSession;
let curator: TestSession;

beforeAll(async () => {
  harness = await startComfyHarness({ sim: { stepMs: 2 } });
  app = harness.app;
  owner = await app.login('user', 'ada');
  other = await app.login('user', 'bob');
  curator = await app.login('curator', 'cora');
});
afterAll(() => harness.close());

async function finished(session: TestSession, promptId: string): Promise<void> {
  await waitFor(
    async () =>
      (await app.request.get(`/api/comfy/status/${promptId}`).set(session.bearer))
        .body as ComfyStatusResponse,
    (status) => status.status === 'succeeded',
  );
}

const download = (session: TestSession, path: string) =>
  app.request
    .get(path)
    .set(session.bearer)
    .buffer(true)
    .parse((res, done) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => done(null, text));
    });

function parsed(res: { body: unknown }): Record<string, unknown> {
  return JSON.parse(res.body as string) as Record<string, unknown>;
}

async function txt2img(session: TestSession): Promise<string> {
  const res = await app.request
    .post('/api/comfy/txt2img')
    .set(session.bearer)
    .send({ caption: 'a lighthouse', width: 64, height: 64, steps: 2, seed: 7 })
    .expect(201);
  return (res.body as { prompt_id: string }).prompt_id;
}

describe('GET /api/comfy/jobs/:promptId/workflow', () => {
  it('gives back a UI workflow queued as such, and the prompt it ran as, as attachments', async () => {
    const queued = await app.request
      .post('/api/comfy/queue')
      .set(curator.bearer)
      .send({ workflow: golden.workflow })
      .expect(201);
    const promptId = (queued.body as { prompt_id: string }).prompt_id;
    await finished(curator, promptId);

    const ui = await download(curator, `/api/comfy/jobs/${promptId}/workflow?format=ui`).expect(200);
    expect(ui.headers['content-type']).toMatch(/^application\/json/);
    expect(ui.headers['content-disposition']).toBe(`attachment; filename="${promptId}.workflow.json"`);
    expect(parsed(ui)).toEqual(golden.workflow);

    const api = await download(curator, `/api/comfy/jobs/${promptId}/workflow`).expect(200);
    expect(api.headers['content-disposition']).toBe(`attachment; filename="${promptId}.api.json"`);
    expect(parsed(api)).toEqual(golden.output);
  });

  it('rebuilds a UI workflow for a job that was queued as an API prompt, which converts back to it', async () => {
    const promptId = await txt2img(owner);
    await finished(owner, promptId);
    const prompt = parsed(
      await download(owner, `/api/comfy/jobs/${promptId}/workflow?format=api`).expect(200),
    );
    expect(Object.values(prompt).map((node) => (node as { class_type: string }).class_type)).toContain(
      'KSampler',
    );

    const ui = parsed(await download(owner, `/api/comfy/jobs/${promptId}/workflow?format=ui`).expect(200));
    expect(ui.version).toBe(0.4);
    const converted = await app.request
      .post('/api/comfy/workflows/convert')
      .set(owner.bearer)
      .send({ workflow: ui })
      .expect(200);
    expect(converted.body.prompt).toEqual(prompt);
  });

  it("is the job's visibility: another user gets 404, a curator the file; a bad format is 400", async () => {
    const promptId = await txt2img(owner);
    const hidden = await app.request.get(`/api/comfy/jobs/${promptId}/workflow`).set(other.bearer);
    expect(hidden.status).toBe(404);
    expect(hidden.body.code).toBe('comfy.job_not_found');
    await download(curator, `/api/comfy/jobs/${promptId}/workflow`).expect(200);
    const unknown = await app.request.get('/api/comfy/jobs/no-such-prompt/workflow').set(owner.bearer);
    expect(unknown.status).toBe(404);
    const bad = await app.request.get(`/api/comfy/jobs/${promptId}/workflow?format=xml`).set(owner.bearer);
    expect(bad.status).toBe(400);
    expect(bad.body.code).toBe('validation_failed');
    expect((await app.request.get(`/api/comfy/jobs/${promptId}/workflow`)).status).toBe(401);
  });
});

describe('GET /api/gallery/images/:id/workflow', () => {
  it("answers a kept image's prompt and a UI workflow, to those who may see the image", async () => {
    const promptId = await txt2img(owner);
    await finished(owner, promptId);
    const kept = (
      await app.request.post('/api/gallery/keep').set(owner.bearer).send({ prompt_id: promptId }).expect(200)
    ).body as KeepResponse;
    const id = kept.items[0]!.image.id;
    const job = parsed(await download(owner, `/api/comfy/jobs/${promptId}/workflow`).expect(200));

    const api = await download(owner, `/api/gallery/images/${id}/workflow?format=api`).expect(200);
    expect(api.headers['content-disposition']).toBe(`attachment; filename="image-${id}.api.json"`);
    expect(parsed(api)).toEqual(job);
    const ui = await download(curator, `/api/gallery/images/${id}/workflow?format=ui`).expect(200);
    expect(ui.headers['content-disposition']).toBe(`attachment; filename="image-${id}.workflow.json"`);
    expect((parsed(ui).nodes as unknown[]).length).toBe(Object.keys(job).length);

    // A private image: another plain user cannot tell it exists.
    const hidden = await app.request.get(`/api/gallery/images/${id}/workflow`).set(other.bearer);
    expect(hidden.status).toBe(404);
    expect(hidden.body.code).toBe('gallery.not_found');
    expect((await app.request.get(`/api/gallery/images/999999/workflow`).set(owner.bearer)).status).toBe(404);
  });

  it('gives the UI workflow a graph job was queued as for its images', async () => {
    const queued = await app.request
      .post('/api/comfy/queue')
      .set(curator.bearer)
      .send({ workflow: golden.workflow })
      .expect(201);
    const promptId = (queued.body as { prompt_id: string }).prompt_id;
    await finished(curator, promptId);
    const kept = (
      await app.request
        .post('/api/gallery/keep')
        .set(curator.bearer)
        .send({ prompt_id: promptId })
        .expect(200)
    ).body as KeepResponse;
    const ui = await download(
      curator,
      `/api/gallery/images/${kept.items[0]!.image.id}/workflow?format=ui`,
    ).expect(200);
    expect(parsed(ui)).toEqual(golden.workflow);
  });
});
