import { request as httpRequest, type ClientRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseClient, samplerWorkflow, usersQueueGraphs, waitFor } from '../comfy-kit.js';
import { images } from '../gallery-fixtures.js';
import type { TestSession } from '../test-app.js';
import { expectRefusal, snapshot, startHostileHarness, type ComfyHarness } from './hostile-kit.js';

/**
 * Issue 10, hostile suite: every limit holds, answered 429 rate_limited with Retry-After, and the refused request
 * changes nothing (no session row, no upload, no stream).
 */
let harness: ComfyHarness;
let user: TestSession;
let running: string;
const held: { close(): void }[] = [];

beforeAll(async () => {
  harness = await startHostileHarness({
    // The running job's 150 steps last 30 s: the stream case needs it running.
    stepMs: 200,
    env: {
      ...usersQueueGraphs,
      ATELIER_LOGIN_MAX_FAILURES: '8',
      ATELIER_LOGIN_ACCOUNT_MAX_FAILURES: '2',
      ATELIER_COMFY_VIEW_RATE: '1',
      ATELIER_COMFY_VIEW_BURST: '2',
      ATELIER_MAX_STREAMS_PER_USER: '1',
      ATELIER_MAX_UPLOADS_PER_USER: '1',
    },
  });
  const { app } = harness;
  user = await app.login('user');
  await app.user('user', 'victim');
  const queued = await app.request
    .post('/api/comfy/queue')
    .set(user.bearer)
    .send({ workflow: samplerWorkflow(150) })
    .expect(201);
  running = (queued.body as { prompt_id: string }).prompt_id;
});
afterAll(async () => {
  for (const connection of held) connection.close();
  await harness.app.request.post(`/api/comfy/cancel/${running}`).set(user.bearer);
  await harness.close();
});

const app = () => harness.app;
const wrongLogin = (username: string) =>
  app().request.post('/api/auth/login').send({ username, password: 'not-the-password-at-all' });

/** Starts a multipart upload and keeps its body open, holding the user's upload slot. */
async function holdUpload(session: TestSession): Promise<ClientRequest> {
  const png = await images.png();
  const boundary = 'hostile-boundary';
  const request = httpRequest(`${app().url}/api/comfy/upload`, {
    method: 'POST',
    headers: {
      ...session.bearer,
      'Content-Type': `multipart/form-data; boundary=${boundary}`,
      'Content-Length': String(png.length + 500),
    },
  });
  request.on('error', () => undefined);
  request.write(
    `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`,
  );
  request.write(png.subarray(0, 16));
  held.push({ close: () => request.destroy() });
  return request;
}

interface Case {
  name: string;
  /** Uses up the limit; the request after it is the refused one. */
  exhaust: () => Promise<void>;
  send: () => PromiseLike<{ status: number; body: unknown; headers: Record<string, string> }>;
}

const cases: Case[] = [
  {
    name: 'sign-in to one account after its failures (growing per-account delay)',
    exhaust: async () => {
      for (let i = 0; i < 2; i++) expect((await wrongLogin('victim')).status).toBe(401);
    },
    send: () =>
      app().request.post('/api/auth/login').send({ username: 'victim', password: 'password-of-victim' }),
  },
  {
    name: 'sign-in from an address past its failures, even with the right password',
    exhaust: async () => {
      for (let i = 0; i < 10; i++) if ((await wrongLogin(`nobody-${i}`)).status === 429) return;
    },
    send: () =>
      app()
        .request.post('/api/auth/login')
        .send({ username: 'test-user', password: 'password-of-test-user' }),
  },
  {
    name: 'a second object_info refresh within the interval',
    exhaust: async () => {
      expect((await app().request.get('/api/comfy/object-info?refresh=1').set(user.bearer)).status).toBe(200);
    },
    send: () => app().request.get('/api/comfy/object-info?refresh=1').set(user.bearer),
  },
  {
    name: 'image views past the per-user rate',
    exhaust: async () => {
      for (let i = 0; i < 2; i++) await app().request.get('/api/comfy/view?filename=x.png').set(user.bearer);
    },
    send: () => app().request.get('/api/comfy/view?filename=x.png').set(user.bearer),
  },
  {
    name: 'a second event stream while one is open',
    exhaust: async () => {
      const first = await SseClient.open(`${app().url}/api/comfy/stream/${running}`, user.bearer);
      held.push(first);
      expect(first.status).toBe(200);
    },
    send: () => app().request.get(`/api/comfy/stream/${running}`).set(user.bearer),
  },
  {
    name: 'a second upload while one is in flight',
    exhaust: async () => {
      await holdUpload(user);
      await new Promise((resolve) => setTimeout(resolve, 100));
    },
    send: async () =>
      app()
        .request.post('/api/comfy/upload')
        .set(user.bearer)
        .attach('image', await images.png(), { filename: 'b.png', contentType: 'image/png' }),
  },
];

describe('rate limits and per-user caps', () => {
  it.each(cases)('$name → 429 rate_limited', async ({ exhaust, send }) => {
    await exhaust();
    const before = await snapshot(harness);
    const response = await send();
    expectRefusal(response, 429, 'rate_limited');
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
    expect(await snapshot(harness)).toEqual(before);
  });

  it('the running job is untouched by all of this', async () => {
    await waitFor(
      async () =>
        (await app().request.get(`/api/comfy/status/${running}`).set(user.bearer)).body as { status: string },
      (s) => s.status === 'running' || s.status === 'succeeded',
    );
  });
});
