import { startComfySim, type ComfySim } from '@atelier/comfy-sim';
import type { AuditPage, BackendListResponse, BackendView, ComfyHealthResponse } from '@atelier/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startComfyHarness, waitFor, type ComfyHarness } from './comfy-kit.js';
import { testAdmin, type TestApp, type TestSession } from './test-app.js';

describe('the pool of ComfyUI servers (GET/POST /api/admin/backends, PATCH/DELETE /api/admin/backends/:id)', () => {
  let harness: ComfyHarness;
  let app: TestApp;
  let admin: TestSession;
  let second: ComfySim;

  beforeEach(async () => {
    harness = await startComfyHarness();
    app = harness.app;
    admin = await app.loginAs(testAdmin.username, testAdmin.password);
    second = await startComfySim({ port: 0, stepMs: 10 });
  });
  afterEach(async () => {
    await harness.close();
    await second.close();
  });

  const list = async (): Promise<BackendView[]> => {
    const res = await app.request.get('/api/admin/backends').set(admin.bearer);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return (res.body as BackendListResponse).items;
  };
  const create = (body: object) => app.request.post('/api/admin/backends').set(admin.bearer).send(body);
  const patch = (id: number | string, body: object) =>
    app.request.patch(`/api/admin/backends/${id}`).set(admin.bearer).send(body);
  const remove = (id: number | string) => app.request.delete(`/api/admin/backends/${id}`).set(admin.bearer);
  const stateOf = async (id: number) => (await list()).find((backend) => backend.id === id)?.state;

  it('starts with the default backend following COMFY_API_URL, and wires one an admin adds', async () => {
    const [only] = await waitFor(list, (items) => items[0]?.state === 'up');
    expect(only).toMatchObject({
      id: 1,
      name: 'default',
      url: null,
      effective_url: harness.sim.url,
      is_default: true,
      weight: 1,
      tags: [],
      enabled: true,
      draining: false,
      in_flight: 0,
      last_error: null,
    });

    const created = await create({ name: 'gpu-2', url: `${second.url}/`, weight: 2, tags: ['sdxl', 'sdxl'] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const view = created.body as BackendView;
    // The URL is stored as the comfy_api_url setting would be (no trailing slash); tags once each.
    expect(view).toMatchObject({
      name: 'gpu-2',
      url: second.url,
      is_default: false,
      weight: 2,
      tags: ['sdxl'],
    });
    expect(view.effective_url).toBe(second.url);
    await waitFor(
      () => stateOf(view.id),
      (state) => state === 'up',
    );

    // Everyone sees each backend's state in the health view; only admins see URLs (in this API).
    const user = await app.login('user');
    const health = await waitFor(
      async () => (await app.request.get('/api/comfy/health').set(user.bearer)).body as ComfyHealthResponse,
      (body) => body.backends?.length === 2,
    );
    expect(health.backends?.map(({ id, name, state }) => ({ id, name, state }))).toEqual([
      { id: 1, name: 'default', state: 'up' },
      { id: view.id, name: 'gpu-2', state: 'up' },
    ]);
    expect(JSON.stringify(health)).not.toContain(second.url);
  });

  it('renames, re-weighs, re-tags, drains, disables and removes a backend, each change audited', async () => {
    const { id } = (await create({ name: 'gpu-2', url: second.url })).body as BackendView;
    await waitFor(
      () => stateOf(id),
      (state) => state === 'up',
    );

    const renamed = await patch(id, { name: 'gpu two', weight: 0.5, tags: ['flux'], draining: true });
    expect(renamed.status, JSON.stringify(renamed.body)).toBe(200);
    expect(renamed.body).toMatchObject({ name: 'gpu two', weight: 0.5, tags: ['flux'], draining: true });

    const disabled = await patch(id, { enabled: false });
    expect(disabled.body).toMatchObject({ enabled: false, state: 'disabled', effective_url: null });
    const enabled = await patch(id, { enabled: true, draining: false });
    expect(enabled.body).toMatchObject({ enabled: true, draining: false });
    await waitFor(
      () => stateOf(id),
      (state) => state === 'up',
    );

    // Pointing it elsewhere while idle is fine.
    const third = await startComfySim({ port: 0, stepMs: 10 });
    try {
      const moved = await patch(id, { url: third.url });
      expect(moved.body).toMatchObject({ url: third.url, effective_url: third.url });
      await waitFor(
        () => stateOf(id),
        (state) => state === 'up',
      );
      await remove(id).expect(204);
    } finally {
      await third.close();
    }
    expect((await list()).map((backend) => backend.id)).toEqual([1]);
    await patch(id, { name: 'again' }).expect(404);
    // The name is free again once its backend is removed.
    await create({ name: 'gpu two', url: second.url }).expect(201);

    const audit = (await app.request.get('/api/admin/audit').set(admin.bearer)).body as AuditPage;
    const actions = audit.items.map((entry) => entry.action).reverse();
    expect(actions).toEqual([
      'comfy.backend_created',
      'comfy.backend_updated',
      'comfy.backend_updated',
      'comfy.backend_updated',
      'comfy.backend_updated',
      'comfy.backend_removed',
      'comfy.backend_created',
    ]);
    const firstUpdate = audit.items.at(-2);
    expect(firstUpdate?.target).toEqual({ type: 'backend', id: String(id), label: 'gpu two' });
    expect(firstUpdate?.details).toEqual({
      name: { from: 'gpu-2', to: 'gpu two' },
      weight: { from: 1, to: 0.5 },
      tags: { from: [], to: ['flux'] },
      draining: { from: false, to: true },
    });
  });

  it('lets the default backend follow the setting again, and refuses to remove it', async () => {
    await patch(1, { url: second.url }).expect(200);
    expect((await list())[0]).toMatchObject({ url: second.url, effective_url: second.url });
    await patch(1, { url: null }).expect(200);
    expect((await list())[0]).toMatchObject({ url: null, effective_url: harness.sim.url });
    const refused = await remove(1);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'conflict' });
  });

  it('refuses bad input with 400 validation_failed, a taken name with 409, an unknown id with 404', async () => {
    const bad: object[] = [
      {},
      { name: 'x', url: 'ftp://10.0.0.1/' },
      { name: 'x', url: 'file:///etc/passwd' },
      { name: 'x', url: 'javascript:alert(1)' },
      { name: 'x', url: 'http://10.0.0.1:8188/?a=1' },
      { name: 'x', url: 'http://10.0.0.1:8188/#frag' },
      { name: 'x', url: 'not a url' },
      { name: 'x', url: 12 },
      { name: '', url: second.url },
      { name: '-leading', url: second.url },
      { name: 'a'.repeat(65), url: second.url },
      { name: 'x', url: second.url, weight: 0 },
      { name: 'x', url: second.url, weight: 101 },
      { name: 'x', url: second.url, weight: '1' },
      { name: 'x', url: second.url, tags: ['UPPER'] },
      { name: 'x', url: second.url, tags: Array.from({ length: 17 }, (_, i) => `t${i}`) },
      { name: 'x', url: second.url, enabled: 'yes' },
      { name: 'x', url: second.url, is_default: true },
      { name: 'x', url: second.url, id: 7 },
    ];
    for (const body of bad) {
      const res = await create(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body).toMatchObject({ code: 'validation_failed' });
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
    }
    expect(await list()).toHaveLength(1);

    await create({ name: 'default', url: second.url }).expect(409);
    const { id } = (await create({ name: 'gpu-2', url: second.url }).expect(201)).body as BackendView;
    await patch(id, { name: 'default' }).expect(409);
    // Only the default backend may follow the setting.
    expect((await patch(id, { url: null })).status).toBe(400);
    expect((await patch(id, { weight: -1 })).status).toBe(400);
    expect((await patch(id, { url: 'gopher://x' })).status).toBe(400);
    for (const missing of [999, 'abc', '1e3', '01']) {
      const status = (await patch(missing, { weight: 2 })).status;
      expect([400, 404], String(missing)).toContain(status);
    }
    await patch(999, { weight: 2 }).expect(404);
    await remove(999).expect(404);
  });

  it('is for admins only', async () => {
    for (const role of ['user', 'curator'] as const) {
      const session = await app.login(role);
      await app.request.get('/api/admin/backends').set(session.bearer).expect(403);
      await app.request
        .post('/api/admin/backends')
        .set(session.bearer)
        .send({ name: 'x', url: second.url })
        .expect(403);
      await app.request.patch('/api/admin/backends/1').set(session.bearer).send({ weight: 2 }).expect(403);
      await app.request.delete('/api/admin/backends/1').set(session.bearer).expect(403);
    }
    await app.request.get('/api/admin/backends').expect(401);
    expect(await list()).toHaveLength(1);
  });
});
