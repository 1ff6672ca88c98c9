import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  samplerWorkflow,
  SseClient,
  startComfyHarness,
  usersQueueGraphs,
  type ComfyHarness,
} from './comfy-kit.js';
import { ConfigError, loadConfig } from '../src/config/load-config.js';
import { createTestApp, type TestApp } from './test-app.js';

let app: TestApp | undefined;
let harness: ComfyHarness | undefined;
const agents: Agent[] = [];

afterEach(async () => {
  for (const agent of agents.splice(0)) agent.destroy();
  await app?.close();
  await harness?.close();
  app = undefined;
  harness = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  reusedSocket: boolean;
  port: number;
}

/** GET over `agent`: whether the request went down a connection the agent kept from before. */
function get(url: string, agent: Agent): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent }, (res) => {
      res.resume();
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          reusedSocket: req.reusedSocket,
          port: req.socket?.localPort ?? 0,
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

function keepAliveAgent(): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  agents.push(agent);
  return agent;
}

describe('HTTP connections', () => {
  it('stay open through a pause longer than Node’s 5 s default and are reused (keep-alive 65 s)', async () => {
    app = await createTestApp();
    const agent = keepAliveAgent();
    const first = await get(`${app.url}/api/health`, agent);
    expect(first.status).toBe(200);
    expect(first.headers['keep-alive']).toBe('timeout=65');
    await sleep(6000);
    const second = await get(`${app.url}/api/health`, agent);
    expect(second.status).toBe(200);
    expect(second.reusedSocket).toBe(true);
    expect(second.port).toBe(first.port);
  }, 20_000);

  it('are closed by the server once idle for ATELIER_HTTP_KEEP_ALIVE_S', async () => {
    app = await createTestApp({
      env: { ATELIER_HTTP_KEEP_ALIVE_S: '1', ATELIER_HTTP_REQUEST_TIMEOUT_S: '5' },
    });
    const agent = keepAliveAgent();
    const first = await get(`${app.url}/api/health`, agent);
    expect(first.headers['keep-alive']).toBe('timeout=1');
    await sleep(1600);
    const second = await get(`${app.url}/api/health`, agent);
    expect(second.reusedSocket).toBe(false);
    expect(second.port).not.toBe(first.port);
  });

  it('a request whose body takes longer than ATELIER_HTTP_REQUEST_TIMEOUT_S to arrive is answered 408', async () => {
    app = await createTestApp({
      env: { ATELIER_HTTP_KEEP_ALIVE_S: '1', ATELIER_HTTP_REQUEST_TIMEOUT_S: '2' },
    });
    const { port } = new URL(app.url);
    const started = Date.now();
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      const socket = connect(Number(port), '127.0.0.1', () => {
        socket.write(
          'POST /api/auth/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n' +
            'Content-Length: 100\r\n\r\n{"username":',
        );
      });
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('error', () => undefined);
      socket.on('close', () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1900);
    expect(elapsed).toBeLessThan(8000);
  });

  it('an event stream outlives ATELIER_HTTP_REQUEST_TIMEOUT_S: the timeout is for receiving a request', async () => {
    harness = await startComfyHarness({
      sim: { stepMs: 100 },
      env: { ...usersQueueGraphs, ATELIER_HTTP_KEEP_ALIVE_S: '1', ATELIER_HTTP_REQUEST_TIMEOUT_S: '2' },
    });
    const user = await harness.app.login('user');
    // 40 steps of 100 ms: the job runs for about 4 s, twice the request timeout.
    const queued = await harness.app.request
      .post('/api/comfy/queue')
      .set(user.bearer)
      .send({ workflow: samplerWorkflow(40) })
      .expect(201);
    const started = Date.now();
    const client = await SseClient.open(
      `${harness.app.url}/api/comfy/stream/${(queued.body as { prompt_id: string }).prompt_id}`,
      user.bearer,
    );
    try {
      expect(client.status).toBe(200);
      await client.finished(20_000);
      expect(Date.now() - started).toBeGreaterThan(3000);
      expect(client.names().at(-1)).toBe('done');
      expect(client.events.at(-1)?.data).toMatchObject({ status: 'succeeded' });
    } finally {
      client.close();
    }
  }, 30_000);

  it('refuses a request timeout that is not longer than the keep-alive (the headers are part of a request)', () => {
    const env = { ATELIER_ROOT_DIR: '/srv/atelier', ATELIER_HTTP_KEEP_ALIVE_S: '300' };
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(
      /ATELIER_HTTP_REQUEST_TIMEOUT_S must be longer than ATELIER_HTTP_KEEP_ALIVE_S/,
    );
    expect(loadConfig({ ...env, ATELIER_HTTP_REQUEST_TIMEOUT_S: '301' }).http.timeouts).toEqual({
      keepAliveS: 300,
      requestS: 301,
    });
  });
});
