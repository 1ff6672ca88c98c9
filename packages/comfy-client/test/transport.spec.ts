import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ComfyHttpError,
  ComfyProtocolError,
  ComfyTimeoutError,
  createComfyClient,
  type ComfyClientOptions,
} from '../src/index.js';

// Edge cases a well-behaved simulator does not produce (bodies that lie, streams that stall), on a real
// HTTP server on an ephemeral port.

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

describe('transport edge cases', () => {
  let server: Server | undefined;
  const seen: IncomingMessage[] = [];

  async function serve(handler: Handler, options: Partial<ComfyClientOptions> = {}) {
    server = createServer((req, res) => {
      seen.push(req);
      handler(req, res);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return createComfyClient({
      baseUrl: `http://127.0.0.1:${port}`,
      timeoutMs: 200,
      retryBaseDelayMs: 5,
      retryMaxDelayMs: 10,
      ...options,
    });
  }

  afterEach(async () => {
    seen.length = 0;
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    server = undefined;
  });

  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  };

  it('turns a 200 that is not JSON, or JSON of the wrong shape, into ComfyProtocolError', async () => {
    const client = await serve((req, res) => {
      if (req.url === '/queue') json(res, 200, { queue_running: 'nope' });
      else res.end('<html>proxy login</html>');
    });
    await expect(client.systemStats()).rejects.toBeInstanceOf(ComfyProtocolError);
    await expect(client.getQueue()).rejects.toThrow(/Unexpected answer to GET \/queue/);
  });

  it('never sends an Origin header (ComfyUI would answer 403) and uses the path prefix', async () => {
    const client = await serve((_req, res) => json(res, 200, { exec_info: { queue_remaining: 2 } }), {
      headers: { Origin: 'http://evil.example', 'X-Proxy-Auth': 'k' },
      pathPrefix: '/api',
    });
    expect(await client.getQueueRemaining()).toBe(2);
    expect(seen[0]?.url).toBe('/api/prompt');
    expect(seen[0]?.headers.origin).toBeUndefined();
    expect(seen[0]?.headers['x-proxy-auth']).toBe('k');
  });

  it('retries idempotent GETs on 503 with backoff, but never POST /interrupt', async () => {
    let failures = 2;
    const client = await serve((req, res) => {
      if (req.url === '/interrupt') {
        res.writeHead(503).end();
      } else if (failures-- > 0) {
        res.writeHead(503).end('busy');
      } else {
        json(res, 200, { system: {}, devices: [] });
      }
    });
    expect(await client.systemStats()).toEqual({ system: {}, devices: [] });
    expect(seen).toHaveLength(3);
    seen.length = 0;
    await expect(client.interrupt()).rejects.toMatchObject({ status: 503 });
    expect(seen).toHaveLength(1);
  });

  it('gives up after maxRetries with the last error', async () => {
    const client = await serve((_req, res) => res.writeHead(502).end('bad gateway'), { maxRetries: 1 });
    const error = await client.systemStats().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ComfyHttpError);
    expect(error).toMatchObject({ status: 502, body: 'bad gateway', method: 'GET', path: '/system_stats' });
    expect(seen).toHaveLength(2);
  });

  it('does not retry a 4xx', async () => {
    const client = await serve((_req, res) => res.writeHead(404).end());
    await expect(client.objectInfo('X')).rejects.toMatchObject({ status: 404 });
    expect(seen).toHaveLength(1);
  });

  it('fails a /view stream that stalls mid-body with ComfyTimeoutError', async () => {
    const client = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'image/png', 'Content-Length': '100' });
      res.write(Buffer.alloc(10));
      // ...and never the rest.
    });
    const view = await client.view('a.png');
    expect(view.contentType).toBe('image/png');
    expect(view.contentLength).toBe(100);
    const reader = view.body.getReader();
    expect((await reader.read()).value?.byteLength).toBe(10);
    await expect(reader.read()).rejects.toBeInstanceOf(ComfyTimeoutError);
  });

  it('lets a slow consumer take its time before reading a /view stream', async () => {
    const client = await serve((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'image/png' });
      res.end(Buffer.alloc(4));
    });
    const view = await client.view('a.png');
    await new Promise((resolve) => setTimeout(resolve, 350));
    const bytes = new Uint8Array(await new Response(view.body).arrayBuffer());
    expect(bytes.byteLength).toBe(4);
  });

  it("passes the caller's abort through unchanged, without retrying", async () => {
    const client = await serve(() => {
      // Never answers.
    });
    const controller = new AbortController();
    const call = client.systemStats({ signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user gave up')), 50);
    await expect(call).rejects.toThrow('user gave up');
    expect(seen).toHaveLength(1);
  });

  it('rejects a bad baseUrl and a bad maxItems at once', async () => {
    expect(() => createComfyClient({ baseUrl: 'ftp://x' })).toThrow(TypeError);
    const client = await serve((_req, res) => json(res, 200, {}));
    await expect(client.getHistory({ maxItems: 0 })).rejects.toBeInstanceOf(RangeError);
    expect(seen).toHaveLength(0);
  });
});
