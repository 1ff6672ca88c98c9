import { startComfySim, type ComfySim } from '@atelier/comfy-sim';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { comfyEnv, presetFiles, waitFor } from './comfy-kit.js';
import { ComfyRelay } from './comfy-relay.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

/** What ComfyUI's side of one streamed image saw. */
interface Upstream {
  /** Bytes ComfyUI managed to hand to its socket. */
  written: number;
  /** Whether the API closed the connection before the image was complete. */
  cutOff: boolean;
}

const chunk = Buffer.alloc(64 * 1024, 0x89);

/**
 * ComfyUI as seen by the API: the simulator, except for /view of `endless.png` (256 MiB, written as fast as
 * the API takes it) and `broken.png` (announces 1 MiB, breaks off after 128 KiB), answered here so the test
 * sees exactly how the API pulls the bytes. WebSocket upgrades go to the simulator as raw bytes.
 */
class ImageRelay {
  readonly streams: Upstream[] = [];
  private readonly answered = new WeakSet<Socket>();
  private relay: ComfyRelay | undefined;

  get url(): string {
    return this.relay?.url ?? '';
  }

  static async start(targetPort: number): Promise<ImageRelay> {
    const images = new ImageRelay();
    images.relay = await ComfyRelay.start(targetPort, (req, res, forward) => {
      const url = new URL(req.url ?? '/', 'http://x');
      const name = url.pathname === '/view' ? url.searchParams.get('filename') : null;
      if (name === 'endless.png') return images.endless(res);
      if (name === 'broken.png') return images.broken(res);
      if (name === 'stale.png') return images.stale(req, res);
      forward();
    });
    return images;
  }

  async close(): Promise<void> {
    await this.relay?.close();
  }

  /** Writes whenever the socket takes more, never past what it accepts (the way ComfyUI's aiohttp does). */
  private endless(res: ServerResponse): void {
    const total = 256 * 1024 * 1024;
    const stream: Upstream = { written: 0, cutOff: false };
    this.streams.push(stream);
    res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': String(total) });
    res.on('close', () => (stream.cutOff = !res.writableFinished));
    const pump = () => {
      while (!res.destroyed && stream.written < total) {
        stream.written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end();
    };
    pump();
  }

  private broken(res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': String(1024 * 1024) });
    res.write(chunk);
    res.write(chunk, () => res.destroy());
  }

  /**
   * Answers on a fresh connection (a little late, so views at once need one each) and resets any
   * connection kept alive from an earlier answer, as a server that closed it unseen would.
   */
  private stale(req: IncomingMessage, res: ServerResponse): void {
    if (this.answered.has(req.socket)) return void req.socket.resetAndDestroy();
    this.answered.add(req.socket);
    setTimeout(() => {
      res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': String(chunk.length) });
      res.end(chunk);
    }, 100);
  }
}

let sim: ComfySim | undefined;
let relay: ImageRelay | undefined;
let app: TestApp | undefined;

async function start() {
  sim = await startComfySim({ port: 0, stepMs: 5 });
  relay = await ImageRelay.start(sim.port);
  // A long idle timeout: only the API's own reaction, never the timeout, may end a stream here.
  app = await createTestApp({ files: presetFiles, env: comfyEnv(relay.url, { COMFY_TIMEOUT: '60' }) });
  // Files ComfyUI holds outside any job: only curators and admins may see those.
  return { app, relay, user: await app.login('curator') };
}

afterEach(async () => {
  await app?.close();
  await relay?.close();
  await sim?.close();
  app = undefined;
  relay = undefined;
  sim = undefined;
});

/** GET /api/comfy/view of `filename` over a socket of its own; resolves with the response, unread. */
function open(a: TestApp, session: TestSession, filename: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(`${a.url}/api/comfy/view?filename=${filename}`, {
      headers: session.bearer,
      agent: false,
    });
    req.on('response', resolve);
    req.on('error', reject);
    req.end();
  });
}

/** Until the stream stops growing (the API stopped pulling), at most a few seconds. */
async function settled(stream: Upstream): Promise<number> {
  let last = -1;
  await waitFor(
    async () => {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const now = stream.written;
      const still = now === last;
      last = now;
      return still;
    },
    (still) => still,
    { timeoutMs: 10_000, intervalMs: 0 },
  );
  return last;
}

describe('GET /api/comfy/view streaming', () => {
  it('pulls from ComfyUI only as fast as the browser reads', async () => {
    const { app, relay, user } = await start();
    const response = await open(app, user, 'endless.png');
    expect(response.statusCode).toBe(200);
    response.pause();
    const stream = relay.streams[0];
    if (!stream) throw new Error('the API did not ask for the image');
    // Socket buffers on both sides hold a few MiB at most; without backpressure all 256 MiB would be read.
    const heldWhilePaused = await settled(stream);
    expect(heldWhilePaused).toBeLessThan(64 * 1024 * 1024);
    // Reading again lets ComfyUI go on.
    response.resume();
    await waitFor(
      () => stream.written,
      (written) => written > heldWhilePaused + 4 * 1024 * 1024,
    );
    response.destroy();
  });

  it('destroys the request to ComfyUI when the browser goes away mid-image', async () => {
    const { app, relay, user } = await start();
    const response = await open(app, user, 'endless.png');
    await new Promise((resolve) => response.once('data', resolve));
    response.destroy();
    const stream = relay.streams[0];
    if (!stream) throw new Error('the API did not ask for the image');
    await waitFor(
      () => stream.cutOff,
      (cut) => cut,
    );
    expect(stream.written).toBeLessThan(256 * 1024 * 1024);
    // The kept-alive pool is not left with a half-read connection: the next view works.
    const next = await open(app, user, 'broken.png');
    next.resume();
    await new Promise((resolve) => next.once('close', resolve));
  });

  it('breaks off the browser’s response when ComfyUI breaks off mid-image, and goes on serving', async () => {
    const { app, user } = await start();
    const response = await open(app, user, 'broken.png');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-length']).toBe(String(1024 * 1024));
    let received = 0;
    response.on('data', (data: Buffer) => (received += data.length));
    response.on('error', () => undefined);
    await new Promise((resolve) => response.once('close', resolve));
    expect(response.complete).toBe(false);
    expect(received).toBeLessThan(1024 * 1024);
    const missing = await app.request.get('/api/comfy/view?filename=nope.png').set(user.bearer).expect(404);
    expect(missing.body).toMatchObject({ code: 'not_found' });
  });
});

describe('GET /api/comfy/view over kept-alive connections', () => {
  it('goes on to a fresh connection however many kept ones ComfyUI closed unseen', async () => {
    const { app, user } = await start();
    const view = () => app.request.get('/api/comfy/view?filename=stale.png').set(user.bearer);
    // Three views at once: three connections, all kept alive afterwards.
    for (const response of await Promise.all([view(), view(), view()])) expect(response.status).toBe(200);
    // Each kept connection is reset when reused; the view still gets the image.
    const after = await view().expect(200);
    expect((after.body as Buffer).length).toBe(chunk.length);
  });
});
