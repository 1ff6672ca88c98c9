import type { ComfyHealthResponse } from '@atelier/contract';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startComfyHarness, waitFor, type ComfyHarness } from './comfy-kit.js';
import { ensureSimBuilt, ephemeralPort, simCommand } from './fixtures/managed/helpers.js';
import { createTestApp, type TestApp } from './test-app.js';

beforeAll(() => ensureSimBuilt(), 60_000);

let app: TestApp | null = null;
let harness: ComfyHarness | null = null;

afterEach(async () => {
  await app?.close();
  app = null;
  await harness?.close();
  harness = null;
});

describe('GET /api/comfy/health in managed mode', () => {
  it('reports the managed ComfyUI process: state, port, pid, restarts and its last lines', async () => {
    const port = await ephemeralPort();
    app = await createTestApp({
      env: {
        COMFY_MANAGED_COMMAND: simCommand(),
        COMFY_MANAGED_INITIAL_PORT: String(port),
        COMFY_MANAGED_START_SLEEP_S: '0.05',
        COMFY_MANAGED_STOP_GRACE_S: '2',
        ATELIER_COMFY_WATCHDOG_INTERVAL_MS: '100',
      },
    });
    const admin = await app.login('admin');
    const current = app;
    const health = await waitFor(
      async () =>
        (await current.request.get('/api/comfy/health').set(admin.bearer)).body as ComfyHealthResponse,
      (h) => h.info?.managed?.state === 'ready',
      { timeoutMs: 15_000 },
    );
    expect(health.info?.managed).toMatchObject({
      state: 'ready',
      port,
      url: `http://127.0.0.1:${port}`,
      pid: expect.any(Number) as unknown,
      restarts: 0,
      last_error: null,
    });
    expect(health.info?.base_url).toBe(`http://127.0.0.1:${port}`);
    expect(health.info?.managed?.last_log_lines.join('\n')).toContain('To see the GUI go to');

    // A plain user learns the state, not the process: no port, pid or log lines.
    const user = await app.login('user');
    const seen = await app.request.get('/api/comfy/health').set(user.bearer).expect(200);
    expect(Object.keys(seen.body as object).sort()).toEqual([
      'backends',
      'enabled',
      'queue_remaining',
      'state',
      'status',
    ]);
    // Every backend by name and state only: never its address.
    for (const backend of (seen.body as { backends: object[] }).backends) {
      expect(Object.keys(backend)).not.toContain('url');
    }
    expect(seen.text).not.toContain(String(port));
    expect(seen.text).not.toContain('To see the GUI');
  });

  it('says null when ComfyUI runs elsewhere', async () => {
    harness = await startComfyHarness();
    const admin = await harness.app.login('admin');
    const health = (await harness.app.request.get('/api/comfy/health').set(admin.bearer).expect(200))
      .body as ComfyHealthResponse;
    expect(health.info?.managed).toBeNull();
  });
});
