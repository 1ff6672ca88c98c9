import type { ComfyQueueResponse } from '@atelier/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  quickWorkflow,
  samplerWorkflow,
  SseClient,
  startComfyHarness,
  waitFor,
  type ComfyHarness,
} from './comfy-kit.js';
import { startComfyPool, withCheckpoint } from './comfy-pool-kit.js';
import { webBuild } from './hostile/hostile-kit.js';
import { parsePrometheusText, sampleValue, type Family } from './prometheus-text.js';
import { createTestApp, LogCollector, type TestApp, type TestSession } from './test-app.js';

/** Issue 13: GET /metrics (Prometheus text), its access rule, and the series a job moves. */
const metricsToken = 'scraper-token-of-the-metrics-tests-0123456789';

let harness: ComfyHarness;
let app: TestApp;
const logs = new LogCollector();
let admin: TestSession;
let curator: TestSession;

beforeAll(async () => {
  harness = await startComfyHarness({
    env: { ATELIER_METRICS_TOKEN: metricsToken, LOG_LEVEL: 'info' },
    app: { files: webBuild, logs },
  });
  app = harness.app;
  admin = await app.login('admin');
  curator = await app.login('curator');
});
afterAll(() => harness.close());

async function scrape(target: TestApp = app): Promise<Map<string, Family>> {
  const response = await target.request
    .get('/metrics')
    .set('Authorization', `Bearer ${metricsToken}`)
    .expect(200);
  return parsePrometheusText(response.text);
}

async function queueJob(workflow: Record<string, unknown>): Promise<string> {
  const response = await app.request
    .post('/api/comfy/queue')
    .set(curator.bearer)
    .send({ workflow })
    .expect(201);
  return (response.body as ComfyQueueResponse).prompt_id;
}

async function statusOf(promptId: string): Promise<string> {
  const response = await app.request.get(`/api/comfy/status/${promptId}`).set(curator.bearer).expect(200);
  return (response.body as { status: string }).status;
}

describe('GET /metrics: who may read it', () => {
  it('answers the configured bearer token with the Prometheus text format', async () => {
    const response = await app.request.get('/metrics').set('Authorization', `Bearer ${metricsToken}`);
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain;/);
    expect(response.headers['content-type']).toContain('version=0.0.4');
    expect(response.headers['cache-control']).toBe('no-store');
    const families = parsePrometheusText(response.text);
    for (const name of [
      'atelier_jobs',
      'atelier_jobs_finished_total',
      'atelier_queue_waiting',
      'atelier_job_wait_seconds',
      'atelier_job_run_seconds',
      'atelier_comfy_execution_events_total',
      'atelier_backend_up',
      'atelier_backend_latency_seconds',
      'atelier_sse_subscribers',
      'atelier_http_request_duration_seconds',
      'process_cpu_seconds_total',
    ]) {
      expect(families.has(name), name).toBe(true);
    }
    expect(families.get('atelier_job_wait_seconds')?.type).toBe('histogram');
  });

  it('answers an admin session, by bearer or by cookie', async () => {
    const byBearer = await app.request.get('/metrics').set(admin.bearer).expect(200);
    expect(() => parsePrometheusText(byBearer.text)).not.toThrow();
    await app.request.get('/metrics').set('Cookie', admin.cookie).expect(200);
  });

  it.each([
    ['no credentials', {}, 401, 'auth.unauthenticated'],
    ['a wrong token', { Authorization: `Bearer ${metricsToken}x` }, 401, 'auth.unauthenticated'],
    [
      'a prefix of the token',
      { Authorization: `Bearer ${metricsToken.slice(0, -1)}` },
      401,
      'auth.unauthenticated',
    ],
    ['the token as a cookie', { Cookie: `atelier_access=${metricsToken}` }, 401, 'auth.unauthenticated'],
  ] as const)('refuses %s with %i', async (_name, headers, status, code) => {
    const response = await app.request.get('/metrics').set(headers);
    expect({ status: response.status, code: response.body.code }).toEqual({ status, code });
    expect(response.headers['content-type']).toMatch(/application\/json/);
    expect(response.text).not.toContain('atelier_');
  });

  it.each(['user', 'curator'] as const)('refuses a %s session with 403', async (role) => {
    const session = await app.login(role);
    const response = await app.request.get('/metrics').set(session.bearer);
    expect({ status: response.status, code: response.body.code }).toEqual({
      status: 403,
      code: 'auth.forbidden',
    });
  });

  it('opens nothing else with the scraper token (it is no session)', async () => {
    const response = await app.request
      .get('/api/admin/config')
      .set('Authorization', `Bearer ${metricsToken}`);
    expect({ status: response.status, code: response.body.code }).toEqual({
      status: 401,
      code: 'auth.unauthenticated',
    });
  });

  it('lives at the root only: /api/metrics is the API 404, and the SPA does not answer /metrics', async () => {
    const response = await app.request.get('/api/metrics').set('Authorization', `Bearer ${metricsToken}`);
    expect(response.status).toBe(404);
    const anonymous = await app.request.get('/metrics');
    expect(anonymous.text).not.toContain('atelier-spa');
    expect((await app.request.get('/gallery')).text).toContain('atelier-spa');
  });
});

describe('the series a job moves', () => {
  it('counts its execution events, its wait and run times and its outcome, and logs each execution event', async () => {
    const before = await scrape();
    const promptId = await queueJob(quickWorkflow('atelier/metrics'));
    await waitFor(
      () => statusOf(promptId),
      (status) => status === 'succeeded',
    );
    const after = await waitFor(
      scrape,
      (families) =>
        sampleValue(families, 'atelier_comfy_execution_events_total', { type: 'execution_success' }) >
        sampleValue(before, 'atelier_comfy_execution_events_total', { type: 'execution_success' }),
    );
    const delta = (name: string, labels: Record<string, string>) =>
      sampleValue(after, name, labels) - sampleValue(before, name, labels);

    expect(delta('atelier_jobs_finished_total', { state: 'succeeded' })).toBe(1);
    for (const type of ['execution_start', 'execution_success'])
      expect(delta('atelier_comfy_execution_events_total', { backend: 'default', type }), type).toBe(1);
    expect(
      delta('atelier_comfy_execution_events_total', { backend: 'default', type: 'executed' }),
    ).toBeGreaterThan(0);
    expect(delta('atelier_job_wait_seconds_count', { backend: 'default' })).toBe(1);
    expect(delta('atelier_job_run_seconds_count', { backend: 'default', outcome: 'succeeded' })).toBe(1);
    expect(sampleValue(after, 'atelier_backend_up', { backend: 'default' })).toBe(1);

    const lines = logs.lines.filter(
      (line) => line.promptId === promptId && line.msg === 'ComfyUI execution event',
    );
    expect(lines[0]).toMatchObject({ event: 'execution_start', backend: 'default', durationMs: null });
    expect(lines.slice(1).every((line) => typeof line.durationMs === 'number' && line.durationMs >= 0)).toBe(
      true,
    );
    // The node's class comes from the job's graph (ComfyUI's executed message names only the node).
    expect(lines).toContainEqual(
      expect.objectContaining({ event: 'executed', node: '2', nodeType: 'SaveImage' }),
    );
  });

  it('shows a running job and its open streams in the gauges while it runs, and its end after', async () => {
    const promptId = await queueJob(samplerWorkflow(150));
    await waitFor(
      () => statusOf(promptId),
      (status) => status === 'running',
    );
    const stream = await SseClient.open(`${app.url}/api/comfy/stream/${promptId}`, {
      Cookie: curator.cookie,
    });
    try {
      const during = await waitFor(
        scrape,
        (families) => sampleValue(families, 'atelier_sse_subscribers') === 1,
      );
      expect(sampleValue(during, 'atelier_jobs', { state: 'running' })).toBe(1);
    } finally {
      stream.close();
    }
    await app.request.post(`/api/comfy/cancel/${promptId}`).set(curator.bearer).expect(200);
    const after = await waitFor(
      scrape,
      (families) => sampleValue(families, 'atelier_jobs', { state: 'running' }) === 0,
    );
    expect(sampleValue(after, 'atelier_jobs_finished_total', { state: 'interrupted' })).toBe(1);
    expect(
      sampleValue(after, 'atelier_job_run_seconds_count', { backend: 'default', outcome: 'interrupted' }),
    ).toBe(1);
  });
});

describe('the queue in Atelier', () => {
  it("counts each user's waiting jobs, and the waiting state, while their queue is paused", async () => {
    const waiter = await app.login('curator', 'metrics-waiter');
    await app.request.post('/api/comfy/queue/pause').set(waiter.bearer).expect(200);
    const queued: string[] = [];
    for (let i = 0; i < 2; i++) {
      const response = await app.request
        .post('/api/comfy/queue')
        .set(waiter.bearer)
        .send({ workflow: quickWorkflow(`atelier/metrics-wait-${i}`) })
        .expect(201);
      queued.push((response.body as ComfyQueueResponse).prompt_id);
    }
    const paused = await scrape();
    expect(sampleValue(paused, 'atelier_queue_waiting', { user: 'metrics-waiter' })).toBe(2);
    expect(sampleValue(paused, 'atelier_jobs', { state: 'waiting' })).toBeGreaterThanOrEqual(2);

    await app.request.post('/api/comfy/queue/resume').set(waiter.bearer).expect(200);
    for (const promptId of queued)
      await waitFor(
        () => statusOf(promptId),
        (status) => status === 'succeeded',
      );
    const after = await scrape();
    // A user with nothing waiting has no series (not a 0 kept forever).
    expect(after.get('atelier_queue_waiting')?.samples.some((s) => s.labels.user === 'metrics-waiter')).toBe(
      false,
    );
  });
});

describe('HTTP request durations', () => {
  it('labels requests by route pattern, method and status, never by the raw URL', async () => {
    const count = (families: Map<string, Family>, labels: Record<string, string>) =>
      sampleValue(families, 'atelier_http_request_duration_seconds_count', labels);
    const status = { method: 'GET', route: '/api/comfy/status/:promptId', status: '404' };
    const unmatched = { method: 'GET', route: 'unmatched', status: '404' };
    const web = { method: 'GET', route: 'web', status: '200' };
    const before = await scrape();
    const id = 'a-prompt-id-nobody-has';
    await app.request.get(`/api/comfy/status/${id}`).set(curator.bearer).expect(404);
    await app.request.get('/api/no/such/route/here').set(curator.bearer).expect(404);
    await app.request.get('/gallery/some/client/route').expect(200);
    const after = await scrape();
    expect(count(after, status) - count(before, status)).toBe(1);
    expect(count(after, unmatched) - count(before, unmatched)).toBe(1);
    // The SPA's pages are one series, whatever the client-side route.
    expect(count(after, web) - count(before, web)).toBe(1);
    const routes = (after.get('atelier_http_request_duration_seconds')?.samples ?? []).map(
      (s) => s.labels.route,
    );
    expect(
      routes.filter(
        (route) => route?.includes(id) || route?.includes('no/such') || route?.includes('client'),
      ),
    ).toEqual([]);
  });
});

describe('a pool of two backends', () => {
  it('labels execution events, wait and run times, health and jobs in flight by the backend that ran them', async () => {
    const twoBackends = await startComfyPool({
      models: [['only-first.safetensors'], ['only-second.safetensors']],
      env: { ATELIER_METRICS_TOKEN: metricsToken },
    });
    const pool = twoBackends.app;
    try {
      await waitFor(
        () => scrape(pool),
        (families) =>
          sampleValue(families, 'atelier_backend_up', { backend: 'default' }) === 1 &&
          sampleValue(families, 'atelier_backend_up', { backend: 'second' }) === 1,
        { timeoutMs: 15_000 },
      );
      const user = await pool.login('user');
      const queue = async (graph: Record<string, unknown>) =>
        (
          (await pool.request.post('/api/comfy/queue').set(user.bearer).send({ workflow: graph }).expect(201))
            .body as ComfyQueueResponse
        ).prompt_id;
      const status = async (promptId: string) =>
        (
          (await pool.request.get(`/api/comfy/status/${promptId}`).set(user.bearer).expect(200)).body as {
            status: string;
          }
        ).status;

      const long = await queue(withCheckpoint('only-second.safetensors', 150));
      await waitFor(
        () => status(long),
        (s) => s === 'running',
      );
      const during = await scrape(pool);
      expect(sampleValue(during, 'atelier_backend_in_flight', { backend: 'second' })).toBe(1);
      expect(sampleValue(during, 'atelier_backend_in_flight', { backend: 'default' })).toBe(0);
      await pool.request.post(`/api/comfy/cancel/${long}`).set(user.bearer).expect(200);

      const onFirst = await queue(withCheckpoint('only-first.safetensors', 3));
      const onSecond = await queue(withCheckpoint('only-second.safetensors', 3));
      for (const promptId of [onFirst, onSecond])
        await waitFor(
          () => status(promptId),
          (s) => s === 'succeeded',
        );
      const after = await waitFor(
        () => scrape(pool),
        (families) =>
          sampleValue(families, 'atelier_comfy_execution_events_total', {
            backend: 'second',
            type: 'execution_success',
          }) === 1,
      );
      for (const backend of ['default', 'second']) {
        expect(
          sampleValue(after, 'atelier_comfy_execution_events_total', { backend, type: 'execution_start' }),
          backend,
        ).toBe(backend === 'second' ? 2 : 1);
        expect(
          sampleValue(after, 'atelier_job_run_seconds_count', { backend, outcome: 'succeeded' }),
          backend,
        ).toBe(1);
      }
      expect(
        sampleValue(after, 'atelier_job_run_seconds_count', { backend: 'second', outcome: 'interrupted' }),
      ).toBe(1);
      expect(sampleValue(after, 'atelier_job_wait_seconds_count', { backend: 'second' })).toBe(2);
      expect(sampleValue(after, 'atelier_job_wait_seconds_count', { backend: 'default' })).toBe(1);
    } finally {
      await twoBackends.close();
    }
  });
});

describe('two apps in one process', () => {
  it('each has its own registry: both boot, and each counts only its own requests', async () => {
    const other = await createTestApp({ env: { ATELIER_METRICS_TOKEN: metricsToken } });
    try {
      for (let i = 0; i < 3; i++) await other.request.get('/api/health').expect(200);
      const route = { method: 'GET', route: '/api/health', status: '200' };
      const mine = sampleValue(await scrape(), 'atelier_http_request_duration_seconds_count', route);
      const theirs = sampleValue(await scrape(other), 'atelier_http_request_duration_seconds_count', route);
      expect(theirs).toBe(3);
      expect(mine).not.toBe(3);
    } finally {
      await other.close();
    }
  });
});
