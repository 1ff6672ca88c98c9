import type { ComfyPreviewEvent, ComfyQueueResponse, ErrorBody } from '@atelier/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { JobPreviews } from '../src/comfy/job-previews.js';
import {
  samplerWorkflow,
  SseClient,
  startComfyHarness,
  usersQueueGraphs,
  waitFor,
  type ComfyHarness,
} from './comfy-kit.js';
import type { TestApp, TestSession } from './test-app.js';

let harness: ComfyHarness | undefined;
const clients: { close(): void }[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await harness?.close();
  harness = undefined;
});

async function setUp(env: Record<string, string> = {}) {
  harness = await startComfyHarness({ sim: { stepMs: 15 }, env: { ...usersQueueGraphs, ...env } });
  const user = await harness.app.login('user');
  return { app: harness.app, user };
}

async function queue(app: TestApp, session: TestSession, steps: number): Promise<string> {
  const response = await app.request
    .post('/api/comfy/queue')
    .set(session.bearer)
    .send({ workflow: samplerWorkflow(steps) })
    .expect(201);
  return (response.body as ComfyQueueResponse).prompt_id;
}

async function stream(app: TestApp, session: TestSession, promptId: string): Promise<SseClient> {
  const client = await SseClient.open(`${app.url}/api/comfy/stream/${promptId}`, { Cookie: session.cookie });
  clients.push(client);
  return client;
}

async function firstPreview(client: SseClient): Promise<ComfyPreviewEvent> {
  const events = await client.until((seen) => seen.some((event) => event.event === 'preview'));
  return events.find((event) => event.event === 'preview')?.data as ComfyPreviewEvent;
}

const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function get(app: TestApp, session: TestSession | null, url: string) {
  const request = app.request.get(url);
  return session ? request.set(session.bearer) : request;
}

describe('GET /api/comfy/jobs/:promptId/preview', () => {
  it('a preview event carries a URL, not the bytes; the URL serves them to the owner, cached per seq', async () => {
    const { app, user } = await setUp();
    const promptId = await queue(app, user, 30);
    const client = await stream(app, user, promptId);
    const preview = await firstPreview(client);

    expect(preview).toEqual({
      prompt_id: promptId,
      format: 'png',
      mime: 'image/png',
      seq: expect.any(Number) as number,
      url: `/api/comfy/jobs/${promptId}/preview?seq=${preview.seq}`,
    });
    expect(JSON.stringify(preview)).not.toMatch(/base64|data:/);

    const image = await get(app, user, preview.url).expect(200);
    expect(image.headers['content-type']).toBe('image/png');
    expect(image.headers['cache-control']).toBe('private, max-age=3600, immutable');
    expect(image.headers['x-content-type-options']).toBe('nosniff');
    const body = image.body as Buffer;
    expect(body.subarray(0, 8)).toEqual(pngSignature);
    expect(Number(image.headers['content-length'])).toBe(body.length);

    // Each later preview has a URL of its own (the browser fetches each once); seqs increase.
    const events = await client.finished();
    const seqs = events
      .filter((event) => event.event === 'preview')
      .map((event) => (event.data as ComfyPreviewEvent).seq);
    expect(seqs.length).toBeGreaterThan(1);
    expect(seqs).toEqual([...new Set(seqs)].sort((a, b) => a - b));
  });

  it('answers another plain user 404 exactly like an unknown job; curators see it; anonymous 401', async () => {
    const { app, user } = await setUp();
    const promptId = await queue(app, user, 40);
    const preview = await firstPreview(await stream(app, user, promptId));

    const other = await app.login('user', 'someone-else');
    const hidden = await get(app, other, preview.url).expect(404);
    expect(hidden.body).toEqual({
      code: 'not_found',
      message: 'There is no such preview',
    } satisfies ErrorBody);
    const unknown = await get(app, user, `/api/comfy/jobs/no-such-job/preview?seq=${preview.seq}`).expect(
      404,
    );
    expect(unknown.body).toEqual(hidden.body);
    const unknownSeq = await get(app, user, `/api/comfy/jobs/${promptId}/preview?seq=1`).expect(404);
    expect(unknownSeq.body).toEqual(hidden.body);

    const curator = await app.login('curator');
    await get(app, curator, preview.url).expect(200);
    await get(app, null, preview.url).expect(401);
  });

  it('answers 400 for a malformed id or seq', async () => {
    const { app, user } = await setUp();
    const promptId = await queue(app, user, 1);
    for (const query of [
      '',
      '?seq=',
      '?seq=abc',
      '?seq=0',
      '?seq=-1',
      '?seq=1.5',
      '?seq=1&seq=2',
      '?seq=1&x=1',
    ]) {
      const response = await get(app, user, `/api/comfy/jobs/${promptId}/preview${query}`);
      expect(response.status, query).toBe(400);
      expect((response.body as ErrorBody).code, query).toBe('validation_failed');
    }
    const badId = await get(app, user, '/api/comfy/jobs/%2E%2E/preview?seq=1');
    expect(badId.status).toBe(400);
    expect((badId.body as ErrorBody).code).toBe('validation_failed');
  });

  it('keeps a finished job’s previews for the grace period only, then answers 404', async () => {
    const { app, user } = await setUp({ ATELIER_COMFY_PREVIEW_GRACE_MS: '1000' });
    const previews = app.nest.get(JobPreviews);
    const promptId = await queue(app, user, 8);
    const client = await stream(app, user, promptId);
    const events = await client.finished();
    const last = events.filter((event) => event.event === 'preview').at(-1)?.data as ComfyPreviewEvent;
    expect(last).toBeDefined();

    // Right after the end a browser may still be fetching the last preview.
    await get(app, user, last.url).expect(200);
    await waitFor(
      () => get(app, user, last.url),
      (response) => response.status === 404,
    );
    expect(previews.stats()).toEqual({ jobs: 0, bytes: 0 });

    // A finished job's stream replays no preview: nothing points at bytes that are gone.
    const replay = await (await stream(app, user, promptId)).finished();
    expect(replay.map((event) => event.event)).toEqual(['images', 'status', 'done']);
  });

  it('keeps two previews per job and at most 64 MiB in all, ended jobs going first', async () => {
    const { app, user } = await setUp();
    const previews = app.nest.get(JobPreviews);
    const me = user.user;
    const mib = (n: number) => new Uint8Array(n * 1024 * 1024);
    const first = previews.put('job-a', me.id, 'image/png', mib(1))!.seq;
    const second = previews.put('job-a', me.id, 'image/png', mib(1))!.seq;
    const third = previews.put('job-a', me.id, 'image/png', mib(1))!.seq;
    expect([first, second, third].map((seq) => previews.find(me, 'job-a', seq) !== null)).toEqual([
      false,
      true,
      true,
    ]);
    expect(previews.stats()).toEqual({ jobs: 1, bytes: 2 * 1024 * 1024 });

    previews.end('job-a');
    for (let i = 0; i < 40; i++) previews.put(`job-${i}`, me.id, 'image/png', mib(3));
    const { bytes } = previews.stats();
    expect(bytes).toBeLessThanOrEqual(64 * 1024 * 1024);
    // The ended job went first; the newest job's preview is always kept.
    expect(previews.find(me, 'job-a', third)).toBeNull();
    expect(
      previews.find(me, 'job-39', previews.put('job-39', me.id, 'image/png', mib(1))!.seq),
    ).not.toBeNull();
    // A preview bigger than any sampler's is not kept (the stream does not announce it).
    expect(previews.put('job-big', me.id, 'image/png', mib(5))).toBeNull();
  });
});
