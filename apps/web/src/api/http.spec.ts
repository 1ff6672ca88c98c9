// @vitest-environment node
/// <reference types="node" />
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, createHttpClient, type HttpClient } from './http';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

// A real HTTP server on an ephemeral port: the client is tested against actual responses.
let server: Server;
let handler: Handler;
let requests: string[];
let client: HttpClient;

function send(
  res: ServerResponse,
  status: number,
  body?: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body === undefined ? undefined : JSON.stringify(body));
}

beforeEach(async () => {
  requests = [];
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      requests.push(`${req.method} ${req.url}`);
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  client = createHttpClient({ baseUrl: `http://127.0.0.1:${port}/api` });
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('http client', () => {
  it('sends JSON and parses JSON answers', async () => {
    handler = (req, res, body) =>
      send(res, 201, { echoed: JSON.parse(body), type: req.headers['content-type'] });
    await expect(client.post('/things', { name: 'a' })).resolves.toEqual({
      echoed: { name: 'a' },
      type: 'application/json',
    });
  });

  it('resolves undefined for 204 No Content', async () => {
    handler = (_req, res) => send(res, 204);
    await expect(client.post('/auth/logout')).resolves.toBeUndefined();
  });

  it('maps an error body to ApiError with status, code, message and field details', async () => {
    handler = (_req, res) =>
      send(res, 400, {
        code: 'validation_failed',
        message: 'Invalid body.',
        details: { username: ['too short'] },
      });
    const error = await client.post('/admin/users', {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: 'validation_failed', message: 'Invalid body.' });
    expect((error as ApiError).fieldErrors).toEqual({ username: ['too short'] });
  });

  it('reads Retry-After from a 429', async () => {
    handler = (_req, res) =>
      send(res, 429, { code: 'rate_limited', message: 'Slow down.' }, { 'retry-after': '42' });
    await expect(client.post('/auth/login', {}, { retryOnUnauthorized: false })).rejects.toMatchObject({
      status: 429,
      code: 'rate_limited',
      retryAfter: 42,
    });
  });

  it('turns a non-JSON failure into unexpected_response instead of a parse error', async () => {
    handler = (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.end('<h1>Bad gateway</h1>');
    };
    await expect(client.get('/health')).rejects.toMatchObject({ status: 502, code: 'unexpected_response' });
  });

  it('reports an unreachable server as a network error', async () => {
    const dead = createHttpClient({ baseUrl: 'http://127.0.0.1:1/api' });
    await expect(dead.get('/health')).rejects.toMatchObject({ status: 0, code: 'network' });
  });

  it('refreshes once on a 401 and retries the request', async () => {
    let isFresh = false;
    handler = (req, res) => {
      if (req.url === '/api/auth/refresh') {
        isFresh = true;
        return send(res, 200, {
          access_token: 't',
          expires_in: 900,
          user: { id: 1, username: 'a', role: 'user' },
        });
      }
      if (!isFresh) return send(res, 401, { code: 'auth.unauthenticated', message: 'Expired.' });
      send(res, 200, { ok: true });
    };
    await expect(client.get('/admin/users')).resolves.toEqual({ ok: true });
    expect(requests).toEqual(['GET /api/admin/users', 'POST /api/auth/refresh', 'GET /api/admin/users']);
  });

  it('shares one refresh between concurrent 401s', async () => {
    let isFresh = false;
    handler = (req, res) => {
      if (req.url === '/api/auth/refresh') {
        isFresh = true;
        return send(res, 200, {});
      }
      send(
        res,
        isFresh ? 200 : 401,
        isFresh ? { ok: req.url } : { code: 'auth.unauthenticated', message: 'x' },
      );
    };
    const results = await Promise.all([client.get('/a'), client.get('/b'), client.get('/c')]);
    expect(results).toEqual([{ ok: '/api/a' }, { ok: '/api/b' }, { ok: '/api/c' }]);
    expect(requests.filter((r) => r === 'POST /api/auth/refresh')).toHaveLength(1);
  });

  it('gives up after one refresh, tells the app, and rejects with the 401', async () => {
    handler = (_req, res) => send(res, 401, { code: 'auth.unauthenticated', message: 'Sign in.' });
    const onUnauthenticated = vi.fn();
    client.onUnauthenticated(onUnauthenticated);
    await expect(client.get('/auth/me')).rejects.toMatchObject({ status: 401, code: 'auth.unauthenticated' });
    expect(requests).toEqual(['GET /api/auth/me', 'POST /api/auth/refresh']);
    expect(onUnauthenticated).toHaveBeenCalledTimes(1);
  });

  it('does not refresh when asked not to (a failed login is not an expired session)', async () => {
    handler = (_req, res) => send(res, 401, { code: 'auth.invalid_credentials', message: 'Wrong.' });
    const onUnauthenticated = vi.fn();
    client.onUnauthenticated(onUnauthenticated);
    await expect(
      client.post('/auth/login', { username: 'a', password: 'b' }, { retryOnUnauthorized: false }),
    ).rejects.toMatchObject({ code: 'auth.invalid_credentials' });
    expect(requests).toEqual(['POST /api/auth/login']);
    expect(onUnauthenticated).not.toHaveBeenCalled();
  });

  it('retries with the refreshed session but still fails cleanly if the retry is refused', async () => {
    handler = (req, res) =>
      req.url === '/api/auth/refresh'
        ? send(res, 200, {})
        : send(res, 401, { code: 'auth.unauthenticated', message: 'Still no.' });
    const onUnauthenticated = vi.fn();
    client.onUnauthenticated(onUnauthenticated);
    await expect(client.get('/x')).rejects.toMatchObject({ status: 401 });
    expect(requests).toEqual(['GET /api/x', 'POST /api/auth/refresh', 'GET /api/x']);
    expect(onUnauthenticated).toHaveBeenCalledTimes(1);
  });
});
