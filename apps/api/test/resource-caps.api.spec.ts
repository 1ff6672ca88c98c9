import type { ComfyQueueResponse, ErrorBody } from '@atelier/contract';
import { request as httpRequest, type ClientRequest, type IncomingMessage } from 'node:http';
import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { ResourceCaps } from '../src/common/resource-caps.js';
import { ConfigError, loadConfig } from '../src/config/load-config.js';
import { samplerWorkflow, SseClient, startComfyHarness, waitFor, type ComfyHarness } from './comfy-kit.js';
import type { TestApp, TestSession } from './test-app.js';

let harness: ComfyHarness | undefined;
const closers: (() => void)[] = [];

afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await harness?.close();
  harness = undefined;
});

async function queue(app: TestApp, session: TestSession): Promise<string> {
  const response = await app.request
    .post('/api/comfy/queue')
    .set(session.bearer)
    .send({ workflow: samplerWorkflow(50) })
    .expect(201);
  return (response.body as ComfyQueueResponse).prompt_id;
}

async function stream(app: TestApp, session: TestSession, promptId: string): Promise<SseClient> {
  const client = await SseClient.open(`${app.url}/api/comfy/stream/${promptId}`, { Cookie: session.cookie });
  closers.push(() => client.close());
  return client;
}

describe('open event streams per user (ATELIER_MAX_STREAMS_PER_USER)', () => {
  it('answers 429 rate_limited with Retry-After over the cap and frees the slot when a stream closes', async () => {
    harness = await startComfyHarness({
      sim: { stepMs: 150 },
      env: { ATELIER_MAX_STREAMS_PER_USER: '2' },
    });
    const { app } = harness;
    // Curators may queue raw graphs; the cap is the same for every role.
    const user = await app.login('curator');
    const other = await app.login('curator', 'other-curator');
    const promptId = await queue(app, user);

    const first = await stream(app, user, promptId);
    const second = await stream(app, user, promptId);
    expect([first.status, second.status]).toEqual([200, 200]);

    const refused = await app.request.get(`/api/comfy/stream/${promptId}`).set(user.bearer);
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    const body = refused.body as ErrorBody;
    expect(body.code).toBe('rate_limited');
    expect(body.message).toMatch(/at most 2 /);
    expect(body.details).toMatchObject({ limit: 2 });

    // The cap is per user: someone else still gets theirs.
    const otherJob = await queue(app, other);
    expect((await stream(app, other, otherJob)).status).toBe(200);

    first.close();
    const caps = app.nest.get(ResourceCaps);
    await waitFor(
      async () => caps.streams.heldBy(user.user.id),
      (held) => held === 1,
    );
    expect((await stream(app, user, promptId)).status).toBe(200);
  });

  it('does not count a stream refused as unknown (404) or an unknown job against the cap', async () => {
    harness = await startComfyHarness({ env: { ATELIER_MAX_STREAMS_PER_USER: '1' } });
    const { app } = harness;
    const user = await app.login('user');
    for (let i = 0; i < 3; i += 1) {
      await app.request.get('/api/comfy/stream/no-such-job').set(user.bearer).expect(404);
    }
    expect(app.nest.get(ResourceCaps).streams.heldBy(user.user.id)).toBe(0);
  });
});

/** A multipart upload whose body is sent in two halves, the second only when `finish()` is called. */
class SlowUpload {
  private constructor(
    private readonly request: ClientRequest,
    private readonly tail: Buffer,
    readonly response: Promise<{ status: number; body: string; headers: IncomingMessage['headers'] }>,
  ) {}

  static start(url: string, session: TestSession, field: string, bytes: Buffer): SlowUpload {
    const boundary = '----atelier-slow-upload';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="slow.png"\r\n` +
        'Content-Type: image/png\r\n\r\n',
    );
    const whole = Buffer.concat([head, bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]);
    const split = head.length + Math.floor(bytes.length / 2);
    const request = httpRequest(url, {
      method: 'POST',
      headers: {
        Authorization: session.bearer.Authorization,
        'Content-Type': `multipart/form-data; boundary=${boundary}`,
        'Content-Length': String(whole.length),
      },
    });
    const response = new Promise<{ status: number; body: string; headers: IncomingMessage['headers'] }>(
      (resolve, reject) => {
        request.on('response', (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
        });
        request.on('error', reject);
      },
    );
    // An aborted upload rejects; only the tests that await it care.
    response.catch(() => undefined);
    request.write(whole.subarray(0, split));
    return new SlowUpload(request, whole.subarray(split), response);
  }

  finish() {
    this.request.end(this.tail);
    return this.response;
  }

  abort(): void {
    this.request.destroy();
  }
}

describe('uploads in flight per user (ATELIER_MAX_UPLOADS_PER_USER)', () => {
  it('refuses a third concurrent upload before reading its body, across upload and ingest, then frees the slots', async () => {
    harness = await startComfyHarness({ env: { ATELIER_MAX_UPLOADS_PER_USER: '2' } });
    const { app } = harness;
    const curator = await app.login('curator');
    const caps = app.nest.get(ResourceCaps);
    const held = () => caps.uploads.heldBy(curator.user.id);
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3366aa' } })
      .png()
      .toBuffer();

    const first = SlowUpload.start(`${app.url}/api/comfy/upload`, curator, 'image', png);
    const second = SlowUpload.start(`${app.url}/api/comfy/ingest`, curator, 'file', png);
    closers.push(
      () => first.abort(),
      () => second.abort(),
    );
    await waitFor(
      async () => held(),
      (n) => n === 2,
    );

    // A third one is refused while its own body is still incomplete: nothing of it was buffered.
    const third = SlowUpload.start(`${app.url}/api/comfy/upload`, curator, 'image', png);
    closers.push(() => third.abort());
    const refused = await third.response;
    expect(refused.status).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    const body = JSON.parse(refused.body) as ErrorBody;
    expect(body).toMatchObject({ code: 'rate_limited', details: { limit: 2 } });
    expect(body.message).toMatch(/uploads in progress: at most 2 per user/);

    // The same count covers ingest.
    const viaIngest = await app.request
      .post('/api/comfy/ingest')
      .set(curator.bearer)
      .attach('file', png, { filename: 'x.png', contentType: 'image/png' });
    expect(viaIngest.status).toBe(429);
    expect(viaIngest.body).toMatchObject({ code: 'rate_limited' });

    // Another user is not affected.
    const user = await app.login('user');
    await app.request
      .post('/api/comfy/upload')
      .set(user.bearer)
      .attach('image', png, { filename: 'x.png', contentType: 'image/png' })
      .expect(201);

    // The held uploads complete normally and give their slots back; an aborted one does too.
    expect((await first.finish()).status).toBe(201);
    second.abort();
    await waitFor(
      async () => held(),
      (n) => n === 0,
    );
    await app.request
      .post('/api/comfy/upload')
      .set(curator.bearer)
      .attach('image', png, { filename: 'y.png', contentType: 'image/png' })
      .expect(201);
    expect(held()).toBe(0);
  });
});

describe('the caps are boot settings', () => {
  it('defaults to 32 streams and 6 uploads per user and refuses to boot on a bad value', () => {
    const root = { ATELIER_ROOT_DIR: '/tmp/atelier-caps' };
    expect(loadConfig(root).caps).toEqual({ streamsPerUser: 32, uploadsPerUser: 6 });
    expect(
      loadConfig({ ...root, ATELIER_MAX_STREAMS_PER_USER: '3', ATELIER_MAX_UPLOADS_PER_USER: '1' }).caps,
    ).toEqual({ streamsPerUser: 3, uploadsPerUser: 1 });
    for (const env of [{ ATELIER_MAX_STREAMS_PER_USER: '0' }, { ATELIER_MAX_UPLOADS_PER_USER: 'many' }]) {
      let problems: string[] = [];
      try {
        loadConfig({ ...root, ...env });
      } catch (error) {
        if (error instanceof ConfigError) problems = [...error.problems];
      }
      expect(problems.join('\n')).toContain(Object.keys(env)[0]);
    }
  });
});
