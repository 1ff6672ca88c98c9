import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { images, ingest } from './gallery-fixtures.js';
import { createTestApp, LogCollector, testAdmin, type TestApp, type TestSession } from './test-app.js';
import { TestRoutesModule } from './test-routes.module.js';

let app: TestApp;
let logs: LogCollector;
let admin: TestSession;

beforeEach(async () => {
  logs = new LogCollector();
  app = await createTestApp({
    env: { LOG_LEVEL: 'debug', COMFY_ENABLED: 'true', COMFY_API_URL: 'http://127.0.0.1:9' },
    modules: [TestRoutesModule],
    logs,
  });
  admin = await app.login('admin');
});

afterEach(() => app.close());

/** Writes `head` (and `body`) on a raw socket, then closes it after `afterMs` without reading an answer. */
function hangUp(head: string, body: string | Buffer, afterMs: number): Promise<void> {
  const { port } = new URL(app.url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(head.replace(/\n/g, '\r\n') + '\r\n');
      socket.write(body);
      setTimeout(() => socket.destroy(), afterMs);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
  });
}

/** The log lines logged since `since` of requests to `path` (by request id). */
async function linesOf(path: string, since: number) {
  // The server notices a closed connection on its next turn or two; give it those.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const recent = logs.lines.slice(since);
  const ids = new Set(
    recent
      .filter((line) => (line.req as { url?: string } | undefined)?.url?.startsWith(path))
      .map((line) => line.reqId),
  );
  return recent.filter((line) => ids.has(line.reqId));
}

/** Nothing above info, no error or stack, and at most one line about each request (besides its services' own). */
function expectQuiet(lines: Record<string, unknown>[]) {
  const text = lines.map((line) => JSON.stringify(line)).join('\n');
  for (const line of lines) {
    expect(line.level, text).toBeLessThanOrEqual(30);
    expect(line.err, text).toBeUndefined();
    expect(JSON.stringify(line), text).not.toContain('"stack"');
  }
  const perRequest = new Map<unknown, number>();
  for (const line of lines.filter((line) => 'req' in line || 'res' in line)) {
    perRequest.set(line.reqId, (perRequest.get(line.reqId) ?? 0) + 1);
  }
  for (const count of perRequest.values()) expect(count, text).toBe(1);
}

describe('a client that goes away is not a server error', () => {
  it('half a JSON body, then the connection closes: no error, no stack', async () => {
    const since = logs.lines.length;
    const body = JSON.stringify({ username: testAdmin.username, password: testAdmin.password });
    await hangUp(
      `POST /api/auth/login HTTP/1.1\nHost: test\nContent-Type: application/json\nContent-Length: ${body.length}\n`,
      body.slice(0, 12),
      50,
    );
    expectQuiet(await linesOf('/api/auth/login', since));
    expect(logs.lines.slice(since).filter((line) => Number(line.level) >= 40)).toEqual([]);
  });

  it('closed while an image is being sent: one info line per request, no stack', async () => {
    const image = (await ingest(app, admin, await images.png())).body as { image: { id: number } };
    const head =
      `GET /api/gallery/images/${image.image.id}/thumbnail HTTP/1.1\nHost: test\n` +
      `Authorization: ${admin.bearer.Authorization}\n`;
    const since = logs.lines.length;
    // Closed right after the request is written: the server is still looking up the image and its file.
    for (let i = 0; i < 10; i++) await hangUp(head, '', 0);
    const lines = await linesOf('/api/gallery/images', since);
    expect(lines.length).toBeGreaterThan(0);
    expectQuiet(lines);
  });

  it('closed half-way through an upload: one info line, no stack', async () => {
    const png = await images.png();
    const since = logs.lines.length;
    const boundary = 'atelier-test-boundary';
    const part =
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\n` +
      `Content-Type: image/png\r\n\r\n`;
    await hangUp(
      `POST /api/comfy/ingest HTTP/1.1\nHost: test\nAuthorization: ${admin.bearer.Authorization}\n` +
        `Content-Type: multipart/form-data; boundary=${boundary}\nContent-Length: 100000\n`,
      Buffer.concat([Buffer.from(part), png.subarray(0, 40)]),
      100,
    );
    const lines = await linesOf('/api/comfy/ingest', since);
    expect(lines.length).toBeGreaterThan(0);
    expectQuiet(lines);
  });

  it('closed while the sign-in is being checked: one info line, no stack', async () => {
    const since = logs.lines.length;
    const body = JSON.stringify({ username: testAdmin.username, password: testAdmin.password });
    await hangUp(
      `POST /api/auth/login HTTP/1.1\nHost: test\nContent-Type: application/json\nContent-Length: ${body.length}\n`,
      body,
      5,
    );
    // The password check finishes after the client left (the service still logs "Signed in").
    const lines = await linesOf('/api/auth/login', since);
    expect(lines.length).toBeGreaterThan(0);
    expectQuiet(lines);
  });

  it('a real server error is still logged at error level with its stack', async () => {
    const since = logs.lines.length;
    await app.request.get('/api/test/boom').set(admin.bearer).expect(500);
    const lines = await linesOf('/api/test/boom', since);
    const failed = lines.find((line) => line.msg === 'Request failed');
    expect(failed?.level).toBe(50);
    expect(JSON.stringify(failed)).toContain('"stack"');
  });
});
