import type { AdminConfigResponse } from '@atelier/contract';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { RuntimeSettingsChange } from '../src/events/app-events.js';
import { EventBus } from '../src/events/event-bus.js';
import { createTestApp, type TestApp, type TestSession } from './test-app.js';

describe('GET/PATCH /api/admin/config', () => {
  let app: TestApp;
  afterEach(() => app.close());

  async function start(env: Record<string, string> = {}): Promise<TestSession> {
    app = await createTestApp({ env });
    return app.login('admin');
  }

  const show = async (admin: TestSession) => {
    const res = await app.request.get('/api/admin/config').set(admin.bearer).expect(200);
    return res.body as AdminConfigResponse;
  };

  const patch = (admin: TestSession, body: unknown) =>
    app.request
      .patch('/api/admin/config')
      .set(admin.bearer)
      .send(body as object);

  it('shows every setting with its default and the boot-only values', async () => {
    const admin = await start();
    const body = await show(admin);
    expect(body.settings).toEqual({
      comfy_enabled: { value: false, source: 'default' },
      comfy_api_url: { value: 'http://127.0.0.1:8188', source: 'default' },
      comfy_timeout: { value: 30, source: 'default' },
      comfy_health_interval_s: { value: 60, source: 'default' },
      comfy_reconnect_max_attempts: { value: 5, source: 'default' },
      comfy_reconnect_base_delay_s: { value: 0.5, source: 'default' },
      comfy_reconnect_max_delay_s: { value: 30, source: 'default' },
      comfy_object_info_ttl_s: { value: 3600, source: 'default' },
      comfy_raw_graph_min_role: { value: 'curator', source: 'default' },
      comfy_node_allow_list: { value: [], source: 'default' },
      comfy_queue_paused: { value: false, source: 'default' },
      comfy_prefetch: { value: 1, source: 'default' },
      comfy_backend_lost_after_s: { value: 60, source: 'default' },
      comfy_warmup_on_connect: { value: true, source: 'default' },
      gallery_auto_capture: { value: false, source: 'default' },
      gallery_trash_retention_days: { value: 30, source: 'default' },
    });
    expect(body.static).toEqual({
      port: 3000,
      root_dir: app.rootDir,
      // On Postgres the database's URL, its password masked.
      db_path:
        app.engine === 'sqlite'
          ? join(app.rootDir, 'data', 'atelier.sqlite')
          : expect.stringMatching(/^postgres:\/\/[^:/]+:\*\*\*@[^/]+\/atelier_t_[0-9a-f]{12}$/),
      comfy_image_dir: join(app.rootDir, 'generated', 'comfy'),
    });
  });

  it('layers default < env < admin, and null falls back to env', async () => {
    const admin = await start({
      COMFY_TIMEOUT: '45',
      COMFY_ENABLED: 'true',
      COMFY_API_URL: 'http://10.0.0.5:8188/',
    });
    let body = await show(admin);
    expect(body.settings.comfy_timeout).toEqual({ value: 45, source: 'env' });
    expect(body.settings.comfy_enabled).toEqual({ value: true, source: 'env' });
    expect(body.settings.comfy_api_url).toEqual({ value: 'http://10.0.0.5:8188', source: 'env' });
    expect(body.settings.comfy_health_interval_s.source).toBe('default');

    const changed = await patch(admin, { comfy_timeout: 90, comfy_health_interval_s: 15 });
    expect(changed.status).toBe(200);
    body = changed.body as AdminConfigResponse;
    expect(body.settings.comfy_timeout).toEqual({ value: 90, source: 'admin' });
    expect(body.settings.comfy_health_interval_s).toEqual({ value: 15, source: 'admin' });

    body = (await patch(admin, { comfy_timeout: null, comfy_health_interval_s: null }).expect(200)).body;
    expect(body.settings.comfy_timeout).toEqual({ value: 45, source: 'env' });
    expect(body.settings.comfy_health_interval_s).toEqual({ value: 60, source: 'default' });
  });

  it('validates each key, rejects unknown keys and applies nothing from a bad PATCH', async () => {
    const admin = await start();
    const res = await patch(admin, {
      comfy_timeout: 0,
      comfy_api_url: 'ftp://example.com',
      comfy_enabled: 'yes',
      comfy_reconnect_max_attempts: 2.5,
      comfy_health_interval_s: 60,
      surprise: 1,
    });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.details).toEqual({
      comfy_timeout: ['must be a number of seconds between 1 and 600'],
      comfy_api_url: [expect.stringMatching(/http\(s\) URL/)],
      comfy_enabled: [expect.stringMatching(/boolean/)],
      comfy_reconnect_max_attempts: ['must be a whole number between 0 and 100'],
      surprise: ['is not a runtime setting'],
    });
    expect((await show(admin)).settings.comfy_health_interval_s.source).toBe('default');

    for (const body of [[1], 'text', 5]) {
      const bad = await app.request
        .patch('/api/admin/config')
        .set(admin.bearer)
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(body));
      expect(bad.status).toBe(400);
    }
  });

  it('checks the base delay against the effective max delay', async () => {
    const admin = await start();
    const res = await patch(admin, { comfy_reconnect_base_delay_s: 40 });
    expect(res.status).toBe(400);
    expect(res.body.details).toEqual({
      comfy_reconnect_base_delay_s: ['must not exceed comfy_reconnect_max_delay_s (30)'],
    });
    await patch(admin, { comfy_reconnect_base_delay_s: 40, comfy_reconnect_max_delay_s: 120 }).expect(200);
  });

  it('keeps admin values across a restart on the same database', async () => {
    const admin = await start({ COMFY_TIMEOUT: '45' });
    await patch(admin, { comfy_enabled: true, comfy_timeout: 120 }).expect(200);
    await app.restart();
    const again = await app.login('admin');
    const body = await show(again);
    expect(body.settings.comfy_enabled).toEqual({ value: true, source: 'admin' });
    expect(body.settings.comfy_timeout).toEqual({ value: 120, source: 'admin' });
  });

  it('applies changes at once and tells subscribers which keys changed', async () => {
    const admin = await start();
    const bus = app.nest.get(EventBus);
    const changes: RuntimeSettingsChange[] = [];
    const stop = bus.subscribe('config.changed', (change) => {
      changes.push(change);
    });
    const streamed: RuntimeSettingsChange[] = [];
    const unsubscribe = bus.subscribe('config.changed', (change) => {
      streamed.push(change);
    });

    await patch(admin, { comfy_enabled: true, comfy_api_url: 'http://127.0.0.1:9999' }).expect(200);
    expect(app.runtime.get().comfy_enabled).toBe(true);
    expect(app.runtime.get().comfy_api_url).toBe('http://127.0.0.1:9999');
    expect(changes).toHaveLength(1);
    expect(changes[0]?.changedKeys.sort()).toEqual(['comfy_api_url', 'comfy_enabled']);
    expect(changes[0]?.previous.comfy_enabled).toBe(false);
    expect(changes[0]?.current.comfy_enabled).toBe(true);
    expect(streamed).toEqual(changes);

    // Setting a value it already has is not a change.
    await patch(admin, { comfy_enabled: true }).expect(200);
    expect(changes).toHaveLength(1);

    stop();
    unsubscribe();
    await patch(admin, { comfy_enabled: false }).expect(200);
    expect(changes).toHaveLength(1);
  });
});
