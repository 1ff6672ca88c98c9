import { encodePng, startComfySim, type ComfySim } from '@atelier/comfy-sim';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { comfyEnv, presetFiles } from './comfy-kit.js';
import { ComfyRelay } from './comfy-relay.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

interface Seen {
  path: string;
  ifNoneMatch: string | undefined;
  status: number;
}

/**
 * Sits between the API and the simulator and records every /view exchange: whether the API asked
 * conditionally and what ComfyUI answered.
 */
class RecordingRelay {
  private constructor(
    private readonly relay: ComfyRelay,
    private readonly seen: Seen[],
  ) {}

  get url(): string {
    return this.relay.url;
  }

  static async start(targetPort: number): Promise<RecordingRelay> {
    const seen: Seen[] = [];
    const relay = await ComfyRelay.start(targetPort, (req, _res, forward) => {
      const entry: Seen = {
        path: new URL(req.url ?? '/', 'http://x').pathname,
        ifNoneMatch: req.headers['if-none-match'],
        status: 0,
      };
      forward((answer, res) => {
        entry.status = answer.statusCode ?? 0;
        if (entry.path === '/view') seen.push(entry);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
    });
    return new RecordingRelay(relay, seen);
  }

  /** The /view exchanges since the last call. */
  take(): Seen[] {
    return this.seen.splice(0);
  }

  close(): Promise<void> {
    return this.relay.close();
  }
}

let sim: ComfySim | undefined;
let relay: RecordingRelay | undefined;
let app: TestApp | undefined;

async function start(env: Record<string, string> = {}) {
  sim = await startComfySim({ port: 0, stepMs: 5 });
  relay = await RecordingRelay.start(sim.port);
  app = await createTestApp({ files: presetFiles, env: comfyEnv(relay.url, env) });
  // Views files put straight into ComfyUI's folders, which only curators and admins may see.
  return { app, sim, relay, user: await app.login('curator') };
}

afterEach(async () => {
  await app?.close();
  await relay?.close();
  await sim?.close();
  app = undefined;
  relay = undefined;
  sim = undefined;
});

/** A noisy PNG (it does not compress) of about `side² × 3` bytes, written where ComfyUI keeps outputs. */
function writeImage(s: ComfySim, name: string, side: number): Buffer {
  const png = encodePng({
    width: side,
    height: side,
    channels: 3,
    data: new Uint8Array(randomBytes(side * side * 3)),
  });
  writeFileSync(join(s.dataDir, 'output', name), png);
  return png;
}

function view(a: TestApp, session: TestSession, name: string, headers: Record<string, string> = {}) {
  return a.request.get('/api/comfy/view').query({ filename: name }).set(session.bearer).set(headers);
}

describe('GET /api/comfy/view cache', () => {
  it('revalidates a second view with If-None-Match and serves the kept bytes on 304', async () => {
    const { app, sim, relay, user } = await start();
    const png = writeImage(sim, 'kept.png', 64);

    const first = await view(app, user, 'kept.png').expect(200);
    expect(Buffer.compare(first.body as Buffer, png)).toBe(0);
    expect(relay.take()).toEqual([{ path: '/view', ifNoneMatch: undefined, status: 200 }]);

    const second = await view(app, user, 'kept.png').expect(200);
    expect(Buffer.compare(second.body as Buffer, png)).toBe(0);
    expect(relay.take()).toEqual([{ path: '/view', ifNoneMatch: first.headers.etag, status: 304 }]);
    for (const name of [
      'content-type',
      'content-length',
      'etag',
      'last-modified',
      'x-content-type-options',
      'content-security-policy',
      'cache-control',
    ]) {
      expect(second.headers[name], name).toBe(first.headers[name]);
    }
    expect(second.headers['content-type']).toBe('image/png');
    expect(second.headers['content-security-policy']).toMatch(/^sandbox/);
  });

  it('serves a file changed upstream fresh, and forgets a deleted one', async () => {
    const { app, sim, relay, user } = await start();
    writeImage(sim, 'edit.png', 32);
    const old = await view(app, user, 'edit.png').expect(200);

    const replaced = writeImage(sim, 'edit.png', 40);
    const fresh = await view(app, user, 'edit.png').expect(200);
    expect(Buffer.compare(fresh.body as Buffer, replaced)).toBe(0);
    expect(fresh.headers.etag).not.toBe(old.headers.etag);
    expect(fresh.headers['content-length']).toBe(String(replaced.length));
    relay.take();
    // The new body replaced the kept one: the next view is confirmed against the new ETag.
    const again = await view(app, user, 'edit.png').expect(200);
    expect(Buffer.compare(again.body as Buffer, replaced)).toBe(0);
    expect(relay.take()).toEqual([{ path: '/view', ifNoneMatch: fresh.headers.etag, status: 304 }]);

    rmSync(join(sim.dataDir, 'output', 'edit.png'));
    const gone = await view(app, user, 'edit.png').expect(404);
    expect(gone.body).toMatchObject({ code: 'not_found' });
    expect(relay.take()).toEqual([{ path: '/view', ifNoneMatch: fresh.headers.etag, status: 404 }]);
    // Evicted: a file of that name appearing again is asked for unconditionally.
    const reborn = writeImage(sim, 'edit.png', 24);
    const back = await view(app, user, 'edit.png').expect(200);
    expect(Buffer.compare(back.body as Buffer, reborn)).toBe(0);
    expect(relay.take()).toEqual([{ path: '/view', ifNoneMatch: undefined, status: 200 }]);
  });

  it('keeps within its byte budget, evicting the least recently used image', async () => {
    // 0.3 MiB holds two ~120 KB images, not three.
    const { app, sim, relay, user } = await start({ ATELIER_COMFY_VIEW_CACHE_MB: '0.3' });
    for (const name of ['a.png', 'b.png', 'c.png']) writeImage(sim, name, 200);
    await view(app, user, 'a.png').expect(200);
    await view(app, user, 'b.png').expect(200);
    await view(app, user, 'a.png').expect(200); // a is now the most recent
    await view(app, user, 'c.png').expect(200); // evicts b
    relay.take();

    await view(app, user, 'a.png').expect(200);
    await view(app, user, 'c.png').expect(200);
    await view(app, user, 'b.png').expect(200);
    const asked = relay.take().map((seen) => [seen.ifNoneMatch !== undefined, seen.status]);
    expect(asked).toEqual([
      [true, 304],
      [true, 304],
      [false, 200],
    ]);
  });

  it('keeps nothing with ATELIER_COMFY_VIEW_CACHE_MB=0', async () => {
    const { app, sim, relay, user } = await start({ ATELIER_COMFY_VIEW_CACHE_MB: '0' });
    const png = writeImage(sim, 'off.png', 32);
    await view(app, user, 'off.png').expect(200);
    const second = await view(app, user, 'off.png').expect(200);
    expect(Buffer.compare(second.body as Buffer, png)).toBe(0);
    expect(relay.take().map((seen) => [seen.ifNoneMatch, seen.status])).toEqual([
      [undefined, 200],
      [undefined, 200],
    ]);
  });

  it.each([
    ['on', {}],
    ['off', { ATELIER_COMFY_VIEW_CACHE_MB: '0' }],
  ])("answers the browser's matching If-None-Match with 304 (cache %s)", async (_label, env) => {
    const { app, sim, relay, user } = await start(env);
    const png = writeImage(sim, 'browser.png', 32);
    const first = await view(app, user, 'browser.png').expect(200);
    const etag = String(first.headers.etag);

    const cached = await view(app, user, 'browser.png', { 'If-None-Match': etag }).expect(304);
    expect(cached.headers.etag).toBe(etag);
    expect(cached.text ?? '').toBe('');
    expect(cached.headers['x-content-type-options']).toBe('nosniff');
    const weak = await view(app, user, 'browser.png', { 'If-None-Match': `"nope", W/${etag}` });
    expect(weak.status).toBe(304);

    const stale = await view(app, user, 'browser.png', { 'If-None-Match': '"nope"' }).expect(200);
    expect(Buffer.compare(stale.body as Buffer, png)).toBe(0);
    // ComfyUI was asked every time: the browser's copy is only confirmed by it. Without a kept copy the
    // browser's validators go upstream as they are (aiohttp ignores weak ones, so it sends the body).
    const kept = !('ATELIER_COMFY_VIEW_CACHE_MB' in env);
    expect(relay.take().map((seen) => seen.status)).toEqual(
      kept ? [200, 304, 304, 304] : [200, 304, 200, 200],
    );

    // A changed image is sent, not confirmed.
    const replaced = writeImage(sim, 'browser.png', 36);
    const changed = await view(app, user, 'browser.png', { 'If-None-Match': etag }).expect(200);
    expect(Buffer.compare(changed.body as Buffer, replaced)).toBe(0);
  });

  it('still refuses unsafe paths before contacting ComfyUI, and non-images', async () => {
    const { app, sim, relay, user } = await start();
    await app.request.get('/api/comfy/view?filename=..%2Fx.png').set(user.bearer).expect(400);
    expect(relay.take()).toEqual([]);
    writeFileSync(join(sim.dataDir, 'output', 'page.html'), '<script>alert(1)</script>');
    await view(app, user, 'page.html').expect(502);
    await view(app, user, 'page.html').expect(502);
    // Never kept: the second request was not conditional.
    expect(relay.take().map((seen) => seen.ifNoneMatch)).toEqual([undefined, undefined]);
  });
});
